package dev.counter.server.health;

/** What the request handlers need to know about the node's state. */
public interface ServingState {
  /** True while the store answered its last probe (so durable calls can succeed). */
  boolean storeAvailable();

  /** Why the store is not available (one sentence for the caller), when {@link #storeAvailable()} is false. */
  String storeProblem();

  /** True once shutdown began: new calls are refused. */
  boolean draining();
}
