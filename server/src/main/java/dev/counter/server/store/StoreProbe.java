package dev.counter.server.store;

import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** Answers whether the store can take writes and reads right now (used for health). */
public interface StoreProbe {
  /**
   * Completes with empty when the store answered and this node is ready to write, else with why
   * not (one sentence a caller and an operator can act on); never hangs past its timeout.
   */
  CompletionStage<Optional<String>> probe();
}
