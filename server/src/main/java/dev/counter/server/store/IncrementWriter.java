package dev.counter.server.store;

import java.util.concurrent.CompletionStage;

/** The part of the store the batcher writes through. */
public interface IncrementWriter {
  /**
   * The lane of a counter: counters in the same lane may share one {@link IncrementWrite}, and
   * writes of different lanes are independent (a Redis Cluster slot, say). Lanes are numbered
   * {@code 0 .. laneCount() - 1}.
   */
  int laneOf(String name);

  /** How many lanes there are. */
  int laneCount();

  /**
   * Applies one write atomically to this node's shards. The stage fails (typically with
   * {@link StoreUnavailableException}) when it is not known whether the write was applied.
   */
  CompletionStage<WriteResult> write(IncrementWrite write);
}
