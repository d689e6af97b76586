package dev.counter.server.store;

/** One increment as the store sees it: a delta and an optional idempotency key. */
public interface IncrementOp {
  /** The signed amount to add. */
  long delta();

  /** The client's request id, or the empty string when the increment is not deduplicated. */
  String requestId();

  /** Windows, limits and expiry the increment carries, or null for a plain increment. */
  default IncrementPolicy policy() {
    return null;
  }
}
