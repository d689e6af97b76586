package dev.counter.server.batching;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RecentValuesTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void aValueIsServedOnlyWhileItsCommandIsRecentEnough() {
    RecentValues recent = new RecentValues(10);
    long now = System.nanoTime();
    recent.remember("a", 5, now - 2 * SECOND);

    assertThat(recent.fresh("a", 3 * SECOND)).isEqualTo(5);
    assertThat(recent.fresh("a", SECOND)).as("two seconds old is older than one").isNull();
    assertThat(recent.fresh("b", 3 * SECOND)).isNull();
  }

  @Test
  void anOlderObservationNeverReplacesANewerOne() {
    RecentValues recent = new RecentValues(10);
    long now = System.nanoTime();
    recent.remember("a", 7, now);
    recent.observe("a", 3, now - SECOND); // an answer that arrived late, to a command sent earlier

    assertThat(recent.fresh("a", SECOND)).isEqualTo(7);
  }

  @Test
  void onlyCountersAStaleReadAskedForAreKept() {
    RecentValues recent = new RecentValues(10);
    long now = System.nanoTime();
    recent.observe("flushed", 1, now);
    recent.remember("asked", 2, now - SECOND);
    recent.observe("asked", 3, now);

    assertThat(recent.fresh("flushed", SECOND)).as("no stale read asked for it").isNull();
    assertThat(recent.fresh("asked", SECOND)).as("refreshed by a flush").isEqualTo(3);
  }

  @Test
  void itStaysBoundedAndZeroCapacityKeepsNothing() {
    RecentValues recent = new RecentValues(3);
    long now = System.nanoTime();
    for (int i = 0; i < 10; i++) {
      recent.remember("c" + i, i, now);
    }
    int kept = 0;
    for (int i = 0; i < 10; i++) {
      kept += recent.fresh("c" + i, SECOND) != null ? 1 : 0;
    }
    assertThat(kept).isBetween(1, 3);

    RecentValues none = new RecentValues(0);
    none.remember("a", 1, now);
    assertThat(none.fresh("a", SECOND)).isNull();
    assertThat(none.enabled()).isFalse();
  }
}
