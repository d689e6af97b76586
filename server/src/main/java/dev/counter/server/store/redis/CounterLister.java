package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.CounterPage;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Lists counters by name prefix with SCAN, master by master (ordered by node id), so a Redis
 * Cluster is listed whole. A page token is the master and the SCAN cursor to go on from; SCAN
 * returns every key that exists for the whole listing at least once, whatever is added meanwhile.
 * Only value hashes match the pattern ({@code <prefix>{<escaped prefix>*}}: a key that ends right
 * after its hash tag), so windows, records and tokens are never listed.
 */
final class CounterLister {
  /** SCAN calls one page may make before it returns what it has (possibly nothing) and a token. */
  private static final int MAX_SCANS_PER_PAGE = 64;
  private static final String TOKEN_VERSION = "1";

  private final RedisGateway redis;
  private final CounterKeys keys;

  CounterLister(RedisGateway redis, CounterKeys keys) {
    this.redis = requireNonNull(redis, "redis is null");
    this.keys = requireNonNull(keys, "keys is null");
  }

  /** A page of names (values are filled in by the caller); fails with IllegalArgumentException for a foreign token. */
  CompletionStage<CounterPage> page(String prefix, int pageSize, String pageToken) {
    Position start = Position.decode(pageToken);
    String pattern = keys.listPattern(prefix);
    return redis.masters().thenCompose(masters -> {
      int master = 0;
      if (start != null) {
        master = -1;
        for (int i = 0; i < masters.size(); i++) {
          if (masters.get(i).id().equals(start.master())) {
            master = i;
          }
        }
        if (master < 0) {
          throw new IllegalArgumentException("the Redis Cluster changed since this page token was issued "
              + "(a failover or resharding); list again from the first page");
        }
      }
      List<String> names = new ArrayList<>();
      return scan(masters, master, start == null ? ScanCursor.INITIAL.getCursor() : start.cursor(), pattern,
          pageSize, names, 0);
    });
  }

  private CompletionStage<CounterPage> scan(List<RedisGateway.Master> masters, int master, String cursor,
      String pattern, int pageSize, List<String> names, int scans) {
    if (master >= masters.size()) {
      return CompletableFuture.completedFuture(new CounterPage(names, null, ""));
    }
    if (names.size() >= pageSize || scans >= MAX_SCANS_PER_PAGE) {
      return CompletableFuture.completedFuture(
          new CounterPage(names, null, new Position(masters.get(master).id(), cursor).encode()));
    }
    return masters.get(master).commands()
        .scan(ScanCursor.of(cursor), ScanArgs.Builder.matches(pattern).limit(Math.max(pageSize, 100)))
        .thenCompose((KeyScanCursor<String> batch) -> {
          for (String key : batch.getKeys()) {
            names.add(keys.nameOf(key));
          }
          return batch.isFinished()
              ? scan(masters, master + 1, ScanCursor.INITIAL.getCursor(), pattern, pageSize, names, scans + 1)
              : scan(masters, master, batch.getCursor(), pattern, pageSize, names, scans + 1);
        });
  }

  /** Where a listing goes on: a master and its SCAN cursor. */
  private record Position(String master, String cursor) {
    String encode() {
      return Base64.getUrlEncoder().withoutPadding()
          .encodeToString((TOKEN_VERSION + ":" + master + ":" + cursor).getBytes(StandardCharsets.UTF_8));
    }

    /** The position of a token, null for the first page; IllegalArgumentException for a foreign one. */
    static Position decode(String token) {
      if (token.isEmpty()) {
        return null;
      }
      String text;
      try {
        text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not a page token of this service", e);
      }
      String[] parts = text.split(":", -1);
      if (parts.length != 3 || !TOKEN_VERSION.equals(parts[0]) || parts[1].isEmpty()
          || !parts[2].matches("[0-9]+")) {
        throw new IllegalArgumentException("not a page token of this service");
      }
      return new Position(parts[1], parts[2]);
    }
  }
}
