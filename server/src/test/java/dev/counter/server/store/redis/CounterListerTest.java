package dev.counter.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CounterListerTest {
  @Test
  void cursorsCompareInTheOrderScanVisitsThem() {
    // A table of 8 buckets is scanned 0, 4, 2, 6, 1, 5, 3, 7 (reverse binary increments).
    String[] order = {"4", "2", "6", "1", "5", "3", "7"};
    for (int i = 0; i < order.length; i++) {
      for (int j = i; j < order.length; j++) {
        assertThat(CounterLister.earlier(order[i], order[j])).isEqualTo(order[i]);
        assertThat(CounterLister.earlier(order[j], order[i])).isEqualTo(order[i]);
      }
    }
    // A grown table (16 buckets) keeps the order: 4 is followed by 12 before 2.
    assertThat(CounterLister.earlier("12", "2")).isEqualTo("12");
    assertThat(CounterLister.earlier("4", "12")).isEqualTo("4");
    assertThat(CounterLister.earlier("end", "7")).isEqualTo("7");
    assertThat(CounterLister.earlier("7", "end")).isEqualTo("7");
  }
}
