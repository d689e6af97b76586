package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.Bucket;
import dev.counter.server.store.CounterPage;
import dev.counter.server.store.CounterStore;
import dev.counter.server.store.IncrementWrite;
import dev.counter.server.store.ShardSum;
import dev.counter.server.store.StoreUnavailableException;
import dev.counter.server.store.WriteResult;
import dev.counter.server.window.Periods;
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
 * <p>With {@code replicaAcks > 0}, flushes and resets go through a {@link ReplicaAckedWriter}: on
 * each slot's master, and reported only once {@code WAIT} confirmed them.
 */
public final class RedisCounterStore implements CounterStore {
  private final RedisGateway redis;
  private final CounterKeys keys;
  private final NodeIdentity node;
  private final long windowMillis;
  /** Null unless writes wait for replicas (--replica-acks). */
  private final ReplicaAckedWriter replicaWriter;
  private final LuaScript flushScript = LuaScript.load("flush");
  private final LuaScript resetScript = LuaScript.load("reset");
  private final LuaScript deleteScript = LuaScript.load("delete");
  private final WindowReader windows;
  private final CounterLister lister;

  public RedisCounterStore(RedisGateway redis, CounterKeys keys, NodeIdentity node, Duration idempotencyWindow,
      int replicaAcks, Duration replicaAckTimeout) {
    this.redis = requireNonNull(redis, "redis is null");
    this.keys = requireNonNull(keys, "keys is null");
    this.node = requireNonNull(node, "node is null");
    this.windowMillis = idempotencyWindow.toMillis();
    this.windows = new WindowReader(redis, keys);
    this.lister = new CounterLister(redis, keys);
    this.replicaWriter = replicaAcks > 0 ? new ReplicaAckedWriter(redis, replicaAcks, replicaAckTimeout.toMillis()) : null;
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
    if (replicaWriter != null) {
      List<Integer> slots = new ArrayList<>(writes.size());
      List<ReplicaAckedWriter.Call<WriteResult>> calls = new ArrayList<>(writes.size());
      for (IncrementWrite write : writes) {
        slots.add(groupOf(write.counters().get(0).name()));
        calls.add(commands -> call(() -> writeOn(commands, write)));
      }
      return replicaWriter.run(slots, calls);
    }
    List<CompletableFuture<WriteResult>> results = new ArrayList<>(writes.size());
    for (IncrementWrite write : writes) {
      // Routed by key: on a cluster Lettuce follows MOVED and ASK.
      results.add(call(() -> writeOn(redis.async(), write)).toCompletableFuture());
    }
    return results;
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
    return writeOne(name, commands -> resetScript.<List<Object>>run(commands, ScriptOutputType.MULTI,
        new String[] {keys.counter(name)}).thenApply(RedisCounterStore::sumOf));
  }

  /**
   * Runs a write of one counter (a reset, a delete) on its master. With --replica-acks it also
   * waits for the replicas: like an increment, an acknowledged write must survive a failover.
   */
  private <T> CompletionStage<T> writeOne(String name, ReplicaAckedWriter.Call<T> write) {
    if (replicaWriter == null) {
      return call(() -> write.runOn(redis.async()));
    }
    return replicaWriter.run(List.of(groupOf(name)), List.<ReplicaAckedWriter.Call<T>>of(
        commands -> call(() -> write.runOn(commands)))).get(0);
  }

  @Override
  public CompletionStage<List<Bucket>> recentBuckets(String name, Periods periods, Long fromMillis, int count) {
    return call(() -> windows.recent(name, periods, fromMillis, count));
  }

  @Override
  public CompletionStage<List<Bucket>> buckets(String name, Periods periods, long firstIndex, long lastIndex) {
    return call(() -> windows.range(name, periods, firstIndex, lastIndex));
  }

  /** Deletes meanwhile a new window appears (the script then asks to be sent again) are retried this often. */
  private static final int DELETE_ATTEMPTS = 5;

  @Override
  public CompletionStage<Long> delete(String name) {
    return deleteAttempt(name, DELETE_ATTEMPTS);
  }

  private CompletionStage<Long> deleteAttempt(String name, int attemptsLeft) {
    // The windows a counter has are listed in its meta hash: read them, then delete them all in
    // one script that checks the list did not change in between (every key must be declared).
    return call(() -> redis.async().hkeys(keys.meta(name))).thenCompose(windowIds -> {
      List<String> keyList = new ArrayList<>(List.of(keys.counter(name), keys.records(name, 0), keys.records(name, 1),
          keys.meta(name)));
      windowIds.forEach(id -> keyList.add(keys.window(name, id)));
      String[] keyArgs = keyList.toArray(String[]::new);
      String[] ids = windowIds.toArray(String[]::new);
      CompletionStage<List<Object>> deleted = writeOne(name,
          commands -> deleteScript.<List<Object>>run(commands, ScriptOutputType.MULTI, keyArgs, ids));
      return deleted.thenCompose(reply -> {
        if ("ok".equals(reply.get(0))) {
          return CompletableFuture.completedFuture(sumOf(reply.subList(1, reply.size())));
        }
        if (attemptsLeft <= 1) {
          return CompletableFuture.failedFuture(new StoreUnavailableException(
              "the counter kept gaining windows while being deleted; nothing was deleted"));
        }
        return deleteAttempt(name, attemptsLeft - 1);
      });
    });
  }

  @Override
  public CompletionStage<CounterPage> list(String prefix, int pageSize, String pageToken, boolean withValues) {
    CompletionStage<CounterPage> page;
    try {
      page = lister.page(prefix, pageSize, pageToken);
    } catch (IllegalArgumentException foreignToken) {
      return CompletableFuture.failedFuture(foreignToken);
    }
    return call(() -> page).thenCompose(names -> !withValues || names.names().isEmpty()
        ? CompletableFuture.completedFuture(names)
        : getAll(names.names()).thenApply(values -> new CounterPage(names.names(), values, names.nextToken())));
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
