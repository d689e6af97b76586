package dev.counter.server.batching;

import java.util.concurrent.ConcurrentHashMap;
import javax.annotation.Nullable;

/**
 * The latest value this node has seen of each counter, for bounded-staleness reads ({@code Get}
 * with {@code max_staleness}). Values come for free from what the node already does: every flush
 * returns its counters' exact totals, every exact read returns one. Each value is kept with the
 * moment its Redis command was sent ({@link System#nanoTime()}): the command ran after it, so the
 * value includes every increment acknowledged before that moment, and its age is measured from
 * it, never from when the answer arrived. A value is served only when that age is within what the
 * caller accepts.
 *
 * <p>Only counters that a bounded-staleness read asked for are kept ({@link #remember}); flushes and
 * other reads just refresh them ({@link #observe}), so a node whose clients never ask for stale
 * reads does no bookkeeping at all. Bounded: at most {@code capacity} counters; when full, it is
 * emptied and fills again with what is in use. Thread-safe.
 */
public final class RecentValues {
  /** A value and when the command that produced it was sent. */
  private record Seen(long value, long asOfNanos) {}

  private final ConcurrentHashMap<String, Seen> values = new ConcurrentHashMap<>();
  private final int capacity;

  /** @param capacity counters kept at most; 0 keeps none (every read is exact) */
  public RecentValues(int capacity) {
    if (capacity < 0) {
      throw new IllegalArgumentException("capacity must not be negative");
    }
    this.capacity = capacity;
  }

  /**
   * Records that {@code name}, which a bounded-staleness read asked for, was {@code value} as of a
   * command sent at {@code asOfNanos}: from now on its value is kept fresh.
   */
  public void remember(String name, long value, long asOfNanos) {
    if (capacity == 0) {
      return;
    }
    if (values.size() >= capacity && !values.containsKey(name)) {
      values.clear();
    }
    update(name, new Seen(value, asOfNanos));
  }

  /**
   * Records that {@code name} was {@code value} as of a command sent at {@code asOfNanos}, if it is
   * one of the counters kept (cheap otherwise: one lookup, nothing when no stale read ever came).
   */
  public void observe(String name, long value, long asOfNanos) {
    if (values.isEmpty() || !values.containsKey(name)) {
      return;
    }
    update(name, new Seen(value, asOfNanos));
  }

  private void update(String name, Seen seen) {
    values.merge(name, seen, (old, fresh) -> fresh.asOfNanos - old.asOfNanos >= 0 ? fresh : old);
  }

  /** The value of {@code name} if one is known that is at most {@code maxAgeNanos} old, else null. */
  @Nullable
  public Long fresh(String name, long maxAgeNanos) {
    Seen seen = values.get(name);
    if (seen == null || System.nanoTime() - seen.asOfNanos > maxAgeNanos) {
      return null;
    }
    return seen.value;
  }

  /** True when values are kept at all. */
  public boolean enabled() {
    return capacity > 0;
  }
}
