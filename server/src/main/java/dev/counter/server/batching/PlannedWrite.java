package dev.counter.server.batching;

import dev.counter.server.store.CounterOps;
import dev.counter.server.store.IncrementWrite;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A store write together with the pending increments it carries, flattened in write order (the
 * order of {@link dev.counter.server.store.WriteResult} indexes), how often it was sent, and when
 * it was first sent ({@link System#nanoTime()}).
 */
record PlannedWrite(IncrementWrite write, List<PendingIncrement> increments, int attempt, long firstSentNanos) {

  /**
   * The buffered increments of this write, as a resend under the same token, or null when it
   * carried none. The token makes the resend a no-op if this write was applied after all.
   */
  PlannedWrite bufferedResend() {
    Map<String, List<PendingIncrement>> byCounter = new LinkedHashMap<>();
    List<PendingIncrement> flat = new ArrayList<>();
    for (PendingIncrement increment : increments) {
      if (increment.buffered()) {
        byCounter.computeIfAbsent(increment.name(), name -> new ArrayList<>()).add(increment);
      }
    }
    if (byCounter.isEmpty()) {
      return null;
    }
    List<CounterOps> counters = new ArrayList<>(byCounter.size());
    byCounter.forEach((name, ops) -> {
      counters.add(new CounterOps(name, ops));
      flat.addAll(ops);
    });
    return new PlannedWrite(new IncrementWrite(counters, write.token()), flat, attempt + 1, firstSentNanos);
  }
}
