package dev.counter.server.store.redis;

import dev.counter.server.store.IncrementOp;
import dev.counter.server.store.IncrementPolicy;
import javax.annotation.Nullable;

/** An increment as the store sees it, for store tests: a delta, a request id and a policy. */
record TestOp(long delta, String requestId, @Nullable IncrementPolicy policy) implements IncrementOp {
  /** A plain increment ({@code ""}: no request id). */
  static IncrementOp op(long delta, String requestId) {
    return new TestOp(delta, requestId, null);
  }

  /** An increment with windows, limits or expiry. */
  static IncrementOp op(long delta, String requestId, IncrementPolicy policy) {
    return new TestOp(delta, requestId, policy);
  }
}
