package dev.counter.server.store;

import dev.counter.server.window.Periods;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import javax.annotation.Nullable;

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

  /**
   * The buckets of a window ending with the current period (the store's clock), oldest first:
   * from the period containing {@code fromMillis} when it is not null, else the last
   * {@code count} periods. At most {@link dev.counter.server.window.WindowSpec#MAX_PERIODS}.
   */
  CompletionStage<List<Bucket>> recentBuckets(String name, Periods periods, @Nullable Long fromMillis, int count);

  /** The buckets of a window's periods {@code firstIndex} to {@code lastIndex}, oldest first. */
  CompletionStage<List<Bucket>> buckets(String name, Periods periods, long firstIndex, long lastIndex);

  /** Atomically removes the counter and everything it owns; returns the value it had. */
  CompletionStage<Long> delete(String name);

  /**
   * A page of the names of existing counters starting with {@code prefix}, from {@code pageToken}
   * (empty for the first page). Fails with IllegalArgumentException for a token it did not issue.
   */
  CompletionStage<CounterPage> list(String prefix, int pageSize, String pageToken, boolean withValues);
}
