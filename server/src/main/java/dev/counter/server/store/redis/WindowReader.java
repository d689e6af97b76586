package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.Bucket;
import dev.counter.server.window.Periods;
import dev.counter.server.window.WindowSpec;
import io.lettuce.core.ScriptOutputType;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.annotation.Nullable;

/**
 * Reads a window's buckets with {@code window-read.lua}: one script call (one round trip) returns
 * the Redis clock and the ring slots of the periods asked for. Which period is current is decided
 * by the Redis clock; this node's clock only chooses which slots to ask for, with a margin, and a
 * second read covers a node clock that is off by more than the margin.
 */
final class WindowReader {
  /** Extra periods read on either side of the node's idea of "now". */
  private static final int MARGIN = 2;

  private final RedisGateway redis;
  private final CounterKeys keys;
  private final LuaScript script = LuaScript.load("window-read");

  WindowReader(RedisGateway redis, CounterKeys keys) {
    this.redis = requireNonNull(redis, "redis is null");
    this.keys = requireNonNull(keys, "keys is null");
  }

  /** See {@link dev.counter.server.store.CounterStore#recentBuckets}. */
  CompletionStage<List<Bucket>> recent(String name, Periods periods, @Nullable Long fromMillis, int count) {
    long guess = periods.indexAt(System.currentTimeMillis());
    long firstGuess = fromMillis != null ? periods.indexAt(fromMillis) : guess - count + 1;
    long from = Math.max(firstGuess, guess - WindowSpec.MAX_PERIODS + 1) - MARGIN;
    return read(name, periods, from, guess + MARGIN).thenCompose(read -> {
      long current = periods.indexAt(read.nowMillis());
      long first = fromMillis != null ? periods.indexAt(fromMillis) : current - count + 1;
      first = Math.max(first, current - WindowSpec.MAX_PERIODS + 1);
      if (first > current) {
        return CompletableFuture.completedFuture(List.of());
      }
      if (first >= read.first() && current <= read.first() + read.buckets().size() - 1) {
        return CompletableFuture.completedFuture(read.slice(first, current));
      }
      long firstIndex = first;
      return read(name, periods, firstIndex, current).thenApply(again -> again.slice(firstIndex, current));
    });
  }

  /** See {@link dev.counter.server.store.CounterStore#buckets}. */
  CompletionStage<List<Bucket>> range(String name, Periods periods, long firstIndex, long lastIndex) {
    return read(name, periods, firstIndex, lastIndex).thenApply(Read::buckets);
  }

  private CompletionStage<Read> read(String name, Periods periods, long first, long last) {
    String[] fields = new String[(int) (last - first + 1)];
    for (long index = first; index <= last; index++) {
      fields[(int) (index - first)] = Long.toString(Math.floorMod(index, WindowSpec.RING_SLOTS));
    }
    return script.<List<Object>>run(redis.async(), ScriptOutputType.MULTI,
        new String[] {keys.window(name, periods.id())}, fields).thenApply(reply -> {
          long now = Long.parseLong((String) reply.get(0));
          List<Bucket> buckets = new ArrayList<>(fields.length);
          for (long index = first; index <= last; index++) {
            buckets.add(new Bucket(periods.start(index), periods.end(index),
                total((String) reply.get((int) (index - first) + 1), index)));
          }
          return new Read(now, first, buckets);
        });
  }

  /** The total a slot holds for period {@code index}: 0 when it is empty or holds another period. */
  static long total(String stored, long index) {
    int colon = stored.indexOf(':');
    if (colon < 0 || Long.parseLong(stored, 0, colon, 10) != index) {
      return 0;
    }
    return Long.parseLong(stored, colon + 1, stored.length(), 10);
  }

  private record Read(long nowMillis, long first, List<Bucket> buckets) {
    List<Bucket> slice(long from, long to) {
      return List.copyOf(buckets.subList((int) (from - first), (int) (to - first + 1)));
    }
  }
}
