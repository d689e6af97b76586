package dev.counter.server.batching;

import java.time.Duration;
import java.util.List;

/**
 * Coalesces concurrent increments into few store writes ("smart batching"): while a write of a
 * lane is in flight, new increments accumulate, and everything accumulated goes out in the next
 * write as soon as it completes. A lone increment is never delayed by a timer.
 */
public interface IncrementBatcher {
  /** Queues one increment, or refuses it without side effects. */
  Admission offer(PendingIncrement increment);

  /** Queues all increments or none of them (the pending bound is checked for the whole list). */
  Admission offerAll(List<PendingIncrement> increments);

  /** Increments accepted but not yet resolved (queued, in flight, or waiting for a retry). */
  long pending();

  /** Lanes whose write is out at the store right now (at most one per lane). */
  int flushesInFlight();

  /**
   * Stops accepting increments and writes everything pending, waiting at most {@code timeout}.
   *
   * @return the number of buffered increments that could not be written in time (lost)
   */
  long drain(Duration timeout) throws InterruptedException;
}
