package dev.counter.server.store;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The part of the store the batcher writes through. */
public interface IncrementWriter {
  /**
   * The lane of a counter. Each lane has at most one flush in flight, so a slow part of the store
   * (one Redis Cluster master, say) only holds back the counters it owns. Lanes are numbered
   * {@code 0 .. laneCount() - 1}; a counter's lane may change (after a failover), which only
   * affects batching, never correctness.
   */
  int laneOf(String name);

  /** How many lanes there can be. */
  int laneCount();

  /** The write group of a counter: one {@link IncrementWrite} only holds counters of one group. */
  int groupOf(String name);

  /**
   * Applies one flush: several writes, each atomically. Returns one future per write, in order.
   * A future fails (typically with {@link StoreUnavailableException}) when it is not known
   * whether its write was applied.
   */
  List<CompletableFuture<WriteResult>> write(List<IncrementWrite> writes);
}
