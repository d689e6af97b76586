package dev.counter.server.batching;

import dev.counter.server.store.CounterOps;
import dev.counter.server.store.IncrementWrite;
import dev.counter.server.store.IncrementWriter;
import dev.counter.server.store.WriteToken;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Turns the increments drained from one lane into store writes: grouped per counter (keeping
 * arrival order within a counter), counters packed by write group into writes of at most
 * {@code maxOpsPerWrite} increments. A counter with more increments than that spans consecutive
 * writes, which the store applies in order. Writes that carry buffered increments get a
 * {@link WriteToken}.
 */
final class WritePlanner {
  private final IncrementWriter store;
  private final int maxOpsPerWrite;
  /** Distinguishes this process's tokens from those of any other process, past or present. */
  private final String incarnation = Long.toUnsignedString(new SecureRandom().nextLong(), 36);
  private final AtomicLong sequence = new AtomicLong();

  WritePlanner(IncrementWriter store, int maxOpsPerWrite) {
    this.store = store;
    this.maxOpsPerWrite = maxOpsPerWrite;
  }

  List<PlannedWrite> plan(List<PendingIncrement> increments) {
    if (increments.isEmpty()) {
      return List.of();
    }
    // Sized for the worst case (every increment its own counter): no rehashing while grouping.
    Map<String, List<PendingIncrement>> byCounter = new LinkedHashMap<>(increments.size() * 2);
    for (PendingIncrement increment : increments) {
      byCounter.computeIfAbsent(increment.name(), name -> new ArrayList<>(2)).add(increment);
    }
    List<PlannedWrite> writes = new ArrayList<>();
    Map<Integer, Packer> byGroup = new LinkedHashMap<>();
    // Consecutive counters usually share a group (always, on a standalone Redis): reuse its packer.
    Packer last = null;
    int lastGroup = 0;
    for (Map.Entry<String, List<PendingIncrement>> counter : byCounter.entrySet()) {
      int group = store.groupOf(counter.getKey());
      if (last == null || group != lastGroup) {
        last = byGroup.computeIfAbsent(group, g -> new Packer(writes));
        lastGroup = group;
      }
      last.add(counter.getKey(), counter.getValue());
    }
    byGroup.values().forEach(Packer::emit);
    return writes;
  }

  /** Accumulates counters into the write being built. */
  private final class Packer {
    private final List<PlannedWrite> out;
    private List<CounterOps> counters = new ArrayList<>();
    private List<PendingIncrement> flat = new ArrayList<>();
    private boolean anyBuffered;

    Packer(List<PlannedWrite> out) {
      this.out = out;
    }

    void add(String name, List<PendingIncrement> ops) {
      int from = 0;
      while (from < ops.size()) {
        int to = Math.min(ops.size(), from + (maxOpsPerWrite - flat.size()));
        List<PendingIncrement> chunk = ops.subList(from, to);
        counters.add(new CounterOps(name, chunk));
        flat.addAll(chunk);
        for (PendingIncrement increment : chunk) {
          anyBuffered |= increment.buffered();
        }
        from = to;
        if (flat.size() == maxOpsPerWrite) {
          emit();
        }
      }
    }

    void emit() {
      if (counters.isEmpty()) {
        return;
      }
      WriteToken token = anyBuffered
          ? new WriteToken(incarnation + "-" + sequence.incrementAndGet(), counters.get(0).name())
          : null;
      out.add(new PlannedWrite(new IncrementWrite(counters, token), flat, 1, System.nanoTime()));
      counters = new ArrayList<>();
      flat = new ArrayList<>();
      anyBuffered = false;
    }
  }
}
