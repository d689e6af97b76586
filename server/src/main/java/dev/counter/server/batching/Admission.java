package dev.counter.server.batching;

/** Whether the batcher took increments offered to it. */
public enum Admission {
  /** Queued; the listener will hear the outcome. */
  ACCEPTED,
  /** Refused: the pending buffer is at its bound (backpressure). Nothing was queued. */
  BUFFER_FULL,
  /** Refused: the batcher is draining for shutdown. Nothing was queued. */
  CLOSED
}
