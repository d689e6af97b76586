package dev.counter.server.batching;

import dev.counter.server.store.Decided;

/**
 * Receives the outcome of one {@link PendingIncrement}. Exactly one of the outcome methods is
 * called, once, on a store or batcher thread; implementations must not block.
 */
public interface IncrementListener {
  /** The increment was applied (or was a duplicate of one that was); {@code value} is the counter right after it. */
  void applied(long value, boolean duplicate);

  /**
   * An increment with a policy was decided (applied or not, as {@code decided} says), or was a
   * duplicate of one that was ({@code decided} is then the first attempt's). By default, reported
   * like a plain increment.
   */
  default void decided(Decided decided, boolean duplicate) {
    applied(decided.value(), duplicate);
  }

  /** The increment was rejected because the counter would leave the int64 range; nothing was applied. */
  void outOfRange();

  /** The increment's write failed; it may or may not have been applied. */
  void failed(Throwable cause);

  /**
   * True when nobody waits for the outcome any more (the call was cancelled or its deadline
   * passed). An abandoned increment that has not been sent yet is dropped, never applied.
   */
  default boolean abandoned() {
    return false;
  }

  /** {@link #deadlineNanos()} of an increment whose caller sets no deadline. */
  long NO_DEADLINE = Long.MAX_VALUE;

  /**
   * When the caller stops waiting, on the {@link System#nanoTime()} scale, or {@link #NO_DEADLINE}.
   * A lingering flush never holds an increment past it.
   */
  default long deadlineNanos() {
    return NO_DEADLINE;
  }
}
