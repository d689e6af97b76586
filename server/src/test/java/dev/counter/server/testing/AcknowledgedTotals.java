package dev.counter.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.client.CounterClient;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/** The check that ends a load test: counter {@code prefix + c} holds exactly {@code acknowledged[c]}. */
public final class AcknowledgedTotals {
  private AcknowledgedTotals() {}

  /** Reads every counter in one BatchGet, asserts each equals what was acknowledged, returns the sum stored. */
  public static long assertStoredExactly(String targets, String prefix, AtomicLongArray acknowledged) {
    List<String> names = new ArrayList<>();
    for (int c = 0; c < acknowledged.length(); c++) {
      names.add(prefix + c);
    }
    long stored = 0;
    try (CounterClient reader = CounterClient.forTarget(targets)) {
      List<Long> values = reader.batchGet(names);
      for (int c = 0; c < acknowledged.length(); c++) {
        assertThat(values.get(c)).as(names.get(c)).isEqualTo(acknowledged.get(c));
        stored += values.get(c);
      }
    }
    return stored;
  }

  /** The sum of {@code acknowledged}. */
  public static long sum(AtomicLongArray acknowledged) {
    long sum = 0;
    for (int c = 0; c < acknowledged.length(); c++) {
      sum += acknowledged.get(c);
    }
    return sum;
  }
}
