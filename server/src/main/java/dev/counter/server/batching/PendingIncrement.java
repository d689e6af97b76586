package dev.counter.server.batching;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.IncrementOp;
import dev.counter.server.store.IncrementPolicy;
import javax.annotation.Nullable;

/** An increment accepted by a node and waiting for its flush. Immutable. */
public final class PendingIncrement implements IncrementOp {
  private final String name;
  private final long delta;
  private final String requestId;
  private final boolean buffered;
  private final IncrementListener listener;
  @Nullable private final IncrementPolicy policy;

  /**
   * @param name the counter (already validated)
   * @param delta the amount to add
   * @param requestId the idempotency key, or "" for none
   * @param buffered true when the caller was answered at acceptance: the batcher then keeps
   *     retrying the write until it is applied or the node stops
   * @param listener told how the increment ended
   */
  public PendingIncrement(String name, long delta, String requestId, boolean buffered, IncrementListener listener) {
    this(name, delta, requestId, buffered, listener, null);
  }

  /** @param policy windows, limits and expiry, or null for a plain increment */
  public PendingIncrement(String name, long delta, String requestId, boolean buffered, IncrementListener listener,
      @Nullable IncrementPolicy policy) {
    this.name = requireNonNull(name, "name is null");
    this.delta = delta;
    this.requestId = requireNonNull(requestId, "requestId is null");
    this.buffered = buffered;
    this.listener = requireNonNull(listener, "listener is null");
    this.policy = policy;
  }

  public String name() {
    return name;
  }

  @Override
  public long delta() {
    return delta;
  }

  @Override
  public String requestId() {
    return requestId;
  }

  @Override
  @Nullable
  public IncrementPolicy policy() {
    return policy;
  }

  public boolean buffered() {
    return buffered;
  }

  public IncrementListener listener() {
    return listener;
  }
}
