package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.StoreUnavailableException;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import javax.annotation.Nullable;

/**
 * Writes that count only once {@code replicaAcks} replicas have them ({@code --replica-acks}): each
 * script runs on its slot's master over the gateway's write connection to that master, then one
 * {@code WAIT} on that same connection confirms every script sent on it, and only then are they
 * reported. A script refused with {@code MOVED} (it did not run) is sent again to the master the
 * reply names, once, and the topology is refreshed; {@code ASK} (a slot half moved) fails as an
 * outage, retried by the caller once the move completes.
 */
final class ReplicaAckedWriter {
  private static final int MAX_REDIRECTS = 2;

  private final RedisGateway redis;
  private final int replicaAcks;
  private final long timeoutMillis;

  ReplicaAckedWriter(RedisGateway redis, int replicaAcks, long timeoutMillis) {
    this.redis = requireNonNull(redis, "redis is null");
    this.replicaAcks = replicaAcks;
    this.timeoutMillis = timeoutMillis;
  }

  /** One script call, run on whatever connection it is given. */
  @FunctionalInterface
  interface Call<T> {
    CompletionStage<T> runOn(RedisClusterAsyncCommands<String, String> commands);
  }

  /**
   * Runs {@code calls.get(i)} on the master of {@code slots.get(i)}, then waits for the replicas.
   * Each future completes once its own script and the WAIT covering it did; it fails (typically
   * with {@link StoreUnavailableException}) when either failed.
   */
  <T> List<CompletableFuture<T>> run(List<Integer> slots, List<Call<T>> calls) {
    List<CompletableFuture<T>> results = new ArrayList<>(calls.size());
    Map<Integer, List<Integer>> indexesBySlot = new LinkedHashMap<>();
    for (int i = 0; i < calls.size(); i++) {
      results.add(new CompletableFuture<>());
      indexesBySlot.computeIfAbsent(slots.get(i), slot -> new ArrayList<>()).add(i);
    }
    List<List<Integer>> slotIndexes = new ArrayList<>(indexesBySlot.values());
    List<CompletableFuture<RedisGateway.WriteTarget>> targets = new ArrayList<>();
    indexesBySlot.keySet().forEach(slot -> targets.add(redis.writeTarget(slot).toCompletableFuture()));
    CompletableFuture.allOf(targets.toArray(CompletableFuture<?>[]::new)).whenComplete((ignored, unused) ->
        completingAll(results, () -> {
          // Several slots usually share a master: one WAIT per master covers all of them.
          Map<String, RedisGateway.WriteTarget> targetById = new LinkedHashMap<>();
          Map<String, List<Integer>> indexesById = new LinkedHashMap<>();
          for (int t = 0; t < targets.size(); t++) {
            Throwable error = failure(targets.get(t));
            if (error != null) {
              slotIndexes.get(t).forEach(i -> results.get(i).completeExceptionally(error));
              continue;
            }
            RedisGateway.WriteTarget target = targets.get(t).join();
            targetById.putIfAbsent(target.id(), target);
            indexesById.computeIfAbsent(target.id(), id -> new ArrayList<>()).addAll(slotIndexes.get(t));
          }
          indexesById.forEach((id, indexes) -> runOn(targetById.get(id), calls, indexes, results, 0));
        }));
    return results;
  }

  private <T> void runOn(RedisGateway.WriteTarget target, List<Call<T>> calls, List<Integer> indexes,
      List<CompletableFuture<T>> results, int redirects) {
    List<CompletableFuture<T>> scripts = new ArrayList<>(indexes.size());
    for (int i : indexes) {
      scripts.add(attempt(() -> calls.get(i).runOn(target.commands())));
    }
    // WAIT only after every script completed (a NOSCRIPT retry included), on the same connection,
    // so that it covers all of them.
    CompletableFuture.allOf(scripts.toArray(CompletableFuture<?>[]::new))
        .handle((ignored, error) -> null)
        .thenCompose(ignored -> attempt(() -> target.commands().waitForReplication(replicaAcks, timeoutMillis)))
        .whenComplete((acknowledged, waitError) -> completingAll(results, () -> {
          Throwable shortfall = waitError != null ? RedisErrors.classify(waitError)
              : acknowledged < replicaAcks ? new StoreUnavailableException("only " + acknowledged + " of " + replicaAcks
                  + " replicas acknowledged the write within " + timeoutMillis + " ms; it was applied on the master "
                  + "but a failover could lose it") : null;
          Map<String, List<Integer>> movedTo = new LinkedHashMap<>();
          for (int k = 0; k < indexes.size(); k++) {
            int index = indexes.get(k);
            CompletableFuture<T> script = scripts.get(k);
            String moved = redirects < MAX_REDIRECTS ? movedTo(script) : null;
            if (moved != null) {
              movedTo.computeIfAbsent(moved, address -> new ArrayList<>()).add(index);
            } else if (script.isCompletedExceptionally()) {
              results.get(index).completeExceptionally(failure(script));
            } else if (shortfall != null) {
              results.get(index).completeExceptionally(shortfall);
            } else {
              results.get(index).complete(script.join());
            }
          }
          if (shortfall != null || !movedTo.isEmpty()) {
            redis.refreshTopology();
          }
          // The slot has a new master: the script did not run, so it is sent there (and WAITed on there).
          movedTo.forEach((address, moved) -> redis.writeTargetAt(address).whenComplete((next, error) -> {
            if (error != null) {
              Throwable failure = RedisErrors.classify(error);
              moved.forEach(i -> results.get(i).completeExceptionally(failure));
            } else {
              completingAll(results, () -> runOn(next, calls, moved, results, redirects + 1));
            }
          }));
        }));
  }

  /** The {@code host:port} of a MOVED reply, or null when {@code script} did not fail with one. */
  @Nullable
  private static String movedTo(CompletableFuture<?> script) {
    if (!script.isCompletedExceptionally()) {
      return null;
    }
    Throwable error = script.handle((value, e) -> e).join();
    for (Throwable cause = error; cause != null; cause = cause.getCause()) {
      if (cause instanceof RedisCommandExecutionException reply && reply.getMessage() != null
          && reply.getMessage().startsWith("MOVED ")) {
        String[] parts = reply.getMessage().split(" ");
        return parts.length == 3 ? parts[2] : null;
      }
    }
    return null;
  }

  /** Runs {@code operation}, turning a thrown failure into a failed future. */
  private static <T> CompletableFuture<T> attempt(java.util.function.Supplier<CompletionStage<T>> operation) {
    try {
      return operation.get().toCompletableFuture();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /** Runs {@code body}; if it throws, every result it left incomplete fails instead of hanging. */
  private static <T> void completingAll(List<CompletableFuture<T>> results, Runnable body) {
    try {
      body.run();
    } catch (RuntimeException e) {
      Throwable error = RedisErrors.classify(e);
      results.forEach(result -> result.completeExceptionally(error));
    }
  }

  /** The classified failure of a completed future, or null when it succeeded. */
  @Nullable
  private static Throwable failure(CompletableFuture<?> future) {
    if (!future.isCompletedExceptionally()) {
      return null;
    }
    Throwable error = future.handle((value, e) -> e).join();
    return RedisErrors.classify(error instanceof CompletionException && error.getCause() != null
        ? error.getCause() : error);
  }
}
