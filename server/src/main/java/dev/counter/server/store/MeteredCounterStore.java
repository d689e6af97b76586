package dev.counter.server.store;

import static java.util.Objects.requireNonNull;

import dev.counter.server.window.Periods;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/** A {@link CounterStore} that reports flushes and failures of the store it wraps. */
public final class MeteredCounterStore implements CounterStore {
  private final CounterStore store;
  private final StoreMetrics metrics;

  public MeteredCounterStore(CounterStore store, StoreMetrics metrics) {
    this.store = requireNonNull(store, "store is null");
    this.metrics = requireNonNull(metrics, "metrics is null");
  }

  @Override
  public int laneOf(String name) {
    return store.laneOf(name);
  }

  @Override
  public int laneCount() {
    return store.laneCount();
  }

  @Override
  public int groupOf(String name) {
    return store.groupOf(name);
  }

  @Override
  public List<CompletableFuture<WriteResult>> write(List<IncrementWrite> writes) {
    long start = System.nanoTime();
    int increments = 0;
    for (IncrementWrite write : writes) {
      increments += write.opCount();
    }
    List<CompletableFuture<WriteResult>> results = store.write(writes);
    int carried = increments;
    CompletableFuture.allOf(results.toArray(CompletableFuture<?>[]::new))
        .whenComplete((ignored, unused) -> metrics.flushed(writes.size(), carried, System.nanoTime() - start));
    for (CompletableFuture<WriteResult> result : results) {
      result.whenComplete((value, error) -> count("write", error));
    }
    return results;
  }

  @Override
  public CompletionStage<Long> get(String name) {
    return counted("get", store.get(name));
  }

  @Override
  public CompletionStage<Map<String, Long>> shards(String name) {
    return counted("get", store.shards(name));
  }

  @Override
  public CompletionStage<List<Long>> getAll(List<String> names) {
    return counted("batch_get", store.getAll(names));
  }

  @Override
  public List<CompletableFuture<Long>> getEach(List<String> names) {
    List<CompletableFuture<Long>> values = store.getEach(names);
    for (CompletableFuture<Long> value : values) {
      value.whenComplete((ignored, error) -> count("get", error));
    }
    return values;
  }

  @Override
  public CompletionStage<Long> reset(String name) {
    return counted("reset", store.reset(name));
  }

  @Override
  public CompletionStage<List<Bucket>> recentBuckets(String name, Periods periods, Long fromMillis, int count) {
    return counted("window", store.recentBuckets(name, periods, fromMillis, count));
  }

  @Override
  public CompletionStage<List<Bucket>> buckets(String name, Periods periods, long firstIndex, long lastIndex) {
    return counted("window", store.buckets(name, periods, firstIndex, lastIndex));
  }

  @Override
  public CompletionStage<Long> delete(String name) {
    return counted("delete", store.delete(name));
  }

  @Override
  public CompletionStage<CounterPage> list(String prefix, int pageSize, String pageToken, boolean withValues) {
    return counted("list", store.list(prefix, pageSize, pageToken, withValues));
  }

  private <T> CompletionStage<T> counted(String operation, CompletionStage<T> stage) {
    return stage.whenComplete((value, error) -> count(operation, error));
  }

  private void count(String operation, Throwable error) {
    if (error != null) {
      Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
      metrics.failed(operation, cause instanceof StoreUnavailableException);
    }
  }
}
