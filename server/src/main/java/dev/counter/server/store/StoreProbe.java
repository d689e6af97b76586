package dev.counter.server.store;

import java.util.concurrent.CompletionStage;

/** Answers whether the store can take writes and reads right now (used for health). */
public interface StoreProbe {
  /** Completes with true when the store answered and this node is ready to write; never hangs past its timeout. */
  CompletionStage<Boolean> probe();
}
