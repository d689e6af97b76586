package dev.counter.server.batching;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentValuesTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aValueIsServedOnlyWhileItsCommandIsRecentEnough() {
    RecentValues recent = new RecentValues(10);
    long now = System.nanoTime();
    recent.observe("a", 5, now - 2 * SECOND);

    assertThat(recent.fresh("a", 3 * SECOND)).isEqualTo(5);
    assertThat(recent.fresh("a", SECOND)).as("two seconds old is older than one").isNull();
    assertThat(recent.fresh("b", 3 * SECOND)).isNull();
  }

  @Test
  void anOlderObservationNeverReplacesANewerOne() {
    RecentValues recent = new RecentValues(10);
    long now = System.nanoTime();
    recent.observe("a", 7, now);
    recent.observe("a", 3, now - SECOND); // an answer that arrived late, to a command sent earlier

    assertThat(recent.fresh("a", SECOND)).isEqualTo(7);
  }

  @Test
  void itStaysBoundedAndZeroCapacityKeepsNothing() {
    RecentValues recent = new RecentValues(3);
    long now = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      recent.observe("c" + i, i, now);
    }
    int kept = 0;
    for (int i = 0; i < 10; i++) {
      kept += recent.fresh("c" + i, SECOND) != null ? 1 : 0;
    }
    assertThat(kept).isBetween(1, 3);

    RecentValues none = new RecentValues(0);
    none.observe("a", 1, now);
    assertThat(none.fresh("a", SECOND)).isNull();
    assertThat(none.enabled()).isFalse();
  }
}
