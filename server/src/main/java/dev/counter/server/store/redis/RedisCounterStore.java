package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.CounterStore;
import dev.counter.server.store.IncrementWrite;
import dev.counter.server.store.ShardSum;
import dev.counter.server.store.StoreUnavailableException;
import dev.counter.server.store.WriteResult;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.ValueListOutput;
import io.lettuce.core.protocol.AsyncCommand;
import io.lettuce.core.protocol.Command;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;

/**
 * The {@link CounterStore} on Redis (layout in {@link CounterKeys}): one hash per counter with a
 * field per node; writes run {@code flush.lua}, reads sum {@code HVALS} exactly in Java.
 *
 * <p>With {@code replicaAcks > 0} the writes of a flush go to the connection of each slot's
 * master and, once they completed, one {@code WAIT replicaAcks timeout} on that same connection
 * must confirm them before any of them is reported applied.
 */
public final class RedisCounterStore implements CounterStore {
  private final RedisGateway redis;
  private final CounterKeys keys;
  private final NodeIdentity node;
  private final long windowMillis;
  private final int replicaAcks;
  private final long replicaAckTimeoutMillis;
  private final LuaScript flushScript = LuaScript.load("flush");
  private final LuaScript resetScript = LuaScript.load("reset");

  public RedisCounterStore(RedisGateway redis, CounterKeys keys, NodeIdentity node, Duration idempotencyWindow,
      int replicaAcks, Duration replicaAckTimeout) {
    this.redis = requireNonNull(redis, "redis is null");
    this.keys = requireNonNull(keys, "keys is null");
    this.node = requireNonNull(node, "node is null");
    this.windowMillis = idempotencyWindow.toMillis();
    this.replicaAcks = replicaAcks;
    this.replicaAckTimeoutMillis = replicaAckTimeout.toMillis();
  }

  @Override
  public int laneOf(String name) {
    return redis.isCluster() ? redis.laneOf(slotOf(name)) : 0;
  }

  @Override
  public int laneCount() {
    return redis.laneCount();
  }

  @Override
  public int groupOf(String name) {
    return redis.isCluster() ? slotOf(name) : 0;
  }

  private int slotOf(String name) {
    return SlotHash.getSlot(keys.counter(name));
  }

  @Override
  public List<CompletableFuture<WriteResult>> write(List<IncrementWrite> writes) {
    if (replicaAcks > 0) {
      return writeAndWait(writes);
    }
    List<CompletableFuture<WriteResult>> results = new ArrayList<>(writes.size());
    for (IncrementWrite write : writes) {
      // Routed by key: on a cluster Lettuce follows MOVED and ASK.
      results.add(call(() -> writeOn(redis.async(), write)).toCompletableFuture());
    }
    return results;
  }

  /** Sends each slot's writes to its master, then WAITs once per master for the replicas. */
  private List<CompletableFuture<WriteResult>> writeAndWait(List<IncrementWrite> writes) {
    List<CompletableFuture<WriteResult>> results = new ArrayList<>(writes.size());
    Map<Integer, List<Integer>> indexesBySlot = new LinkedHashMap<>();
    for (int i = 0; i < writes.size(); i++) {
      results.add(new CompletableFuture<>());
      indexesBySlot.computeIfAbsent(groupOf(writes.get(i).counters().get(0).name()), slot -> new ArrayList<>()).add(i);
    }
    List<List<Integer>> slotIndexes = new ArrayList<>(indexesBySlot.values());
    List<CompletableFuture<RedisGateway.WriteTarget>> targets = new ArrayList<>(slotIndexes.size());
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
          indexesById.forEach((id, indexes) -> writeAndWaitOn(targetById.get(id), writes, indexes, results));
        }));
    return results;
  }

  /** Runs {@code body}; if it throws, every result it left incomplete fails instead of hanging. */
  private static void completingAll(List<CompletableFuture<WriteResult>> results, Runnable body) {
    try {
      body.run();
    } catch (RuntimeException e) {
      Throwable error = RedisErrors.classify(e);
      results.forEach(result -> result.completeExceptionally(error));
    }
  }

  /** The classified failure of a completed future, or null when it succeeded. */
  private static Throwable failure(CompletableFuture<?> future) {
    return future.isCompletedExceptionally() ? RedisErrors.classify(future.handle((value, e) -> e).join()) : null;
  }

  private void writeAndWaitOn(RedisGateway.WriteTarget target, List<IncrementWrite> writes, List<Integer> indexes,
      List<CompletableFuture<WriteResult>> results) {
    List<CompletableFuture<WriteResult>> applied = new ArrayList<>(indexes.size());
    for (int i : indexes) {
      applied.add(call(() -> writeOn(target.commands(), writes.get(i))).toCompletableFuture());
    }
    // WAIT only after every script completed (a NOSCRIPT retry included), on the same connection,
    // so that it covers all of them.
    CompletableFuture.allOf(applied.toArray(CompletableFuture<?>[]::new))
        .handle((ignored, error) -> null)
        .thenCompose(ignored -> call(() -> target.commands().waitForReplication(replicaAcks, replicaAckTimeoutMillis)))
        .whenComplete((acknowledged, waitError) -> completingAll(results, () -> {
          Throwable failure = waitError != null ? RedisErrors.classify(waitError)
              : acknowledged < replicaAcks ? new StoreUnavailableException("only " + acknowledged + " of "
                  + replicaAcks + " replicas acknowledged the write within " + replicaAckTimeoutMillis + " ms; it was "
                  + "applied on the master but a failover could lose it") : null;
          for (int k = 0; k < indexes.size(); k++) {
            CompletableFuture<WriteResult> result = results.get(indexes.get(k));
            CompletableFuture<WriteResult> script = applied.get(k);
            Throwable scriptFailure = failure(script);
            if (scriptFailure != null) {
              result.completeExceptionally(scriptFailure);
            } else if (failure != null) {
              result.completeExceptionally(failure);
            } else {
              result.complete(script.join());
            }
          }
          if (failure != null) {
            redis.refreshTopology();
          }
        }));
  }

  private CompletionStage<WriteResult> writeOn(RedisClusterAsyncCommands<String, String> commands,
      IncrementWrite write) {
    FlushProtocol.Call call = FlushProtocol.encode(write, node.require(), windowMillis, keys);
    return flushScript.<List<Object>>run(commands, ScriptOutputType.MULTI, call.keys(), call.args())
        .thenApply(reply -> FlushProtocol.decode(reply, write));
  }

  /** The exact sum of shard values as a script returns them (decimal strings). */
  private static long sumOf(List<?> shardValues) {
    List<String> values = new ArrayList<>(shardValues.size());
    for (Object value : shardValues) {
      values.add((String) value);
    }
    return ShardSum.of(values);
  }

  @Override
  public CompletionStage<Long> get(String name) {
    return call(() -> redis.async().hvals(keys.counter(name)).thenApply(ShardSum::of));
  }

  @Override
  public CompletionStage<Map<String, Long>> shards(String name) {
    return call(() -> redis.async().hgetall(keys.counter(name)).thenApply(fields -> {
      Map<String, Long> shards = new LinkedHashMap<>();
      fields.forEach((nodeId, value) -> shards.put(nodeId, Long.parseLong(value)));
      return shards;
    }));
  }

  @Override
  public CompletionStage<List<Long>> getAll(List<String> names) {
    List<CompletableFuture<Long>> values;
    try {
      values = getEach(names);
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(RedisErrors.classify(e));
    }
    return CompletableFuture.allOf(values.toArray(CompletableFuture<?>[]::new)).thenApply(ignored -> {
      List<Long> result = new ArrayList<>(values.size());
      for (CompletableFuture<Long> value : values) {
        result.add(value.join());
      }
      return result;
    });
  }

  /** One HVALS per counter, all sent in one write: one socket flush, and replies that arrive together. */
  @Override
  public List<CompletableFuture<Long>> getEach(List<String> names) {
    List<AsyncCommand<String, String, List<String>>> commands = new ArrayList<>(names.size());
    List<CompletableFuture<Long>> values = new ArrayList<>(names.size());
    for (String name : names) {
      AsyncCommand<String, String, List<String>> command = new AsyncCommand<>(new Command<>(CommandType.HVALS,
          new ValueListOutput<>(StringCodec.UTF8), new CommandArgs<>(StringCodec.UTF8).addKey(keys.counter(name))));
      commands.add(command);
      values.add(call(() -> command.thenApply(ShardSum::of)).toCompletableFuture());
    }
    try {
      redis.dispatch(commands);
    } catch (RuntimeException e) {
      Throwable error = RedisErrors.classify(e);
      commands.forEach(command -> command.completeExceptionally(error));
    }
    return values;
  }

  @Override
  public CompletionStage<Long> reset(String name) {
    return call(() -> resetScript.<List<Object>>run(redis.async(), ScriptOutputType.MULTI,
            new String[] {keys.counter(name)})
        .thenApply(RedisCounterStore::sumOf));
  }

  /** Runs {@code operation}, turning both thrown and asynchronous Lettuce failures into store failures. */
  private static <T> CompletionStage<T> call(Supplier<CompletionStage<T>> operation) {
    CompletionStage<T> stage;
    try {
      stage = operation.get();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(RedisErrors.classify(e));
    }
    return stage.handle((value, error) -> {
      if (error != null) {
        throw new java.util.concurrent.CompletionException(RedisErrors.classify(error));
      }
      return value;
    });
  }
}
