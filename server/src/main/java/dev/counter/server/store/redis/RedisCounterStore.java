package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.CounterOps;
import dev.counter.server.store.CounterStore;
import dev.counter.server.store.IncrementOp;
import dev.counter.server.store.IncrementWrite;
import dev.counter.server.store.ShardSum;
import dev.counter.server.store.WriteResult;
import dev.counter.server.store.WriteResult.Outcome;
import dev.counter.server.store.WriteToken;
import io.lettuce.core.ScriptOutputType;
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
 */
public final class RedisCounterStore implements CounterStore {
  private final RedisGateway redis;
  private final CounterKeys keys;
  private final NodeIdentity node;
  private final String windowMillis;
  private final LuaScript flushScript = LuaScript.load("flush");
  private final LuaScript resetScript = LuaScript.load("reset");

  public RedisCounterStore(RedisGateway redis, CounterKeys keys, NodeIdentity node, Duration idempotencyWindow) {
    this.redis = requireNonNull(redis, "redis is null");
    this.keys = requireNonNull(keys, "keys is null");
    this.node = requireNonNull(node, "node is null");
    this.windowMillis = Long.toString(idempotencyWindow.toMillis());
  }

  @Override
  public int laneOf(String name) {
    return 0;
  }

  @Override
  public int laneCount() {
    return 1;
  }

  @Override
  public CompletionStage<WriteResult> write(IncrementWrite write) {
    return call(() -> {
      List<CounterOps> counters = write.counters();
      int opCount = write.opCount();
      WriteToken token = write.token();
      String[] keyArgs = new String[counters.size() + 1];
      keyArgs[0] = token == null
          ? keys.counter(counters.get(0).name())
          : keys.writeToken(token.anchorName(), token.id());
      String[] args = new String[3 + counters.size() + 2 * opCount];
      args[0] = node.require();
      args[1] = windowMillis;
      args[2] = token == null ? "0" : "1";
      int a = 3;
      for (int k = 0; k < counters.size(); k++) {
        CounterOps counter = counters.get(k);
        keyArgs[k + 1] = keys.counter(counter.name());
        List<? extends IncrementOp> ops = counter.ops();
        args[a++] = Integer.toString(ops.size());
        for (IncrementOp op : ops) {
          args[a++] = Long.toString(op.delta());
          args[a++] = op.requestId();
        }
      }
      return flushScript.<List<Object>>run(redis.async(), ScriptOutputType.MULTI, keyArgs, args)
          .thenApply(reply -> parseWriteReply(reply, opCount));
    });
  }

  static WriteResult parseWriteReply(List<Object> reply, int opCount) {
    if (reply.size() == 1 && "w".equals(reply.get(0))) {
      return WriteResult.alreadyApplied(opCount);
    }
    if (reply.size() != opCount) {
      throw new IllegalStateException("flush script returned " + reply.size() + " results for " + opCount + " increments");
    }
    WriteResult result = WriteResult.ofSize(opCount);
    for (int i = 0; i < opCount; i++) {
      String item = (String) reply.get(i);
      switch (item.charAt(0)) {
        case '=' -> result.set(i, Outcome.APPLIED, Long.parseLong(item, 1, item.length(), 10));
        case 'd' -> result.set(i, Outcome.DUPLICATE, Long.parseLong(item, 1, item.length(), 10));
        case 'o' -> result.set(i, Outcome.OUT_OF_RANGE, 0);
        default -> throw new IllegalStateException("unexpected flush script result '" + item + "'");
      }
    }
    return result;
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
    return call(() -> {
      RedisClusterAsyncCommands<String, String> commands = redis.async();
      List<CompletableFuture<Long>> values = new ArrayList<>(names.size());
      for (String name : names) {
        values.add(commands.hvals(keys.counter(name)).thenApply(ShardSum::of).toCompletableFuture());
      }
      return CompletableFuture.allOf(values.toArray(CompletableFuture<?>[]::new)).thenApply(ignored -> {
        List<Long> result = new ArrayList<>(values.size());
        for (CompletableFuture<Long> value : values) {
          result.add(value.join());
        }
        return result;
      });
    });
  }

  @Override
  public CompletionStage<Long> reset(String name) {
    return call(() -> resetScript.<List<Object>>run(redis.async(), ScriptOutputType.MULTI,
            new String[] {keys.counter(name)})
        .thenApply(shards -> {
          List<String> values = new ArrayList<>(shards.size());
          for (Object shard : shards) {
            values.add((String) shard);
          }
          return ShardSum.of(values);
        }));
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
