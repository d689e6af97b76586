package dev.counter.server.store;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * Where counters live. Reads aggregate every node's shard; writes go through
 * {@link IncrementWriter#write}. All stages fail with {@link StoreUnavailableException} when the
 * backing store cannot answer.
 */
public interface CounterStore extends IncrementWriter, BulkReader {
  /** The counter's value: the exact sum of all shards, 0 when it does not exist. */
  CompletionStage<Long> get(String name);

  /** Each node's shard of the counter, keyed by node id. Empty when it does not exist. */
  CompletionStage<Map<String, Long>> shards(String name);

  /** The values of many counters, in the order of {@code names}. */
  CompletionStage<List<Long>> getAll(List<String> names);


  /** Atomically removes every shard of the counter and returns the value it had. */
  CompletionStage<Long> reset(String name);
}
