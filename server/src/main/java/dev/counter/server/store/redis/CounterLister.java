package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.CounterPage;
import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import javax.annotation.Nullable;

/**
 * Lists counters by name prefix with SCAN, master by master (ordered by node id), so a Redis
 * Cluster is listed whole. SCAN returns every key that exists for the whole listing at least once,
 * whatever is added meanwhile. Only value hashes match the pattern ({@code <prefix>{<escaped
 * prefix>*}}: a key that ends right after its hash tag), so windows, records and tokens are never
 * listed.
 *
 * <p>A page never holds more than the page size, although one SCAN call may return more keys. When
 * a page stops inside a batch, its token holds the batch's cursor, the last key it took (batches
 * are taken in sorted order) and the cursor that batch returned. The next page scans the same
 * cursor again and goes on after that key; it then continues from the earlier (in SCAN order) of
 * the two cursors that scan of the batch returned. A key that exists throughout lies either in the
 * buckets every scan of the batch covered (so it came back sorted, and was taken or is taken now)
 * or in buckets the continuation covers: none is skipped; some may come twice, as with SCAN.
 */
final class CounterLister {
  /** SCAN calls one page may make before it returns what it has (possibly nothing) and a token. */
  private static final int MAX_SCANS_PER_PAGE = 64;
  private static final String TOKEN_VERSION = "2";
  /** A cursor that means "this master is done" (SCAN's own 0 means "start"). */
  private static final String FINISHED = "end";
  private static final Base64.Encoder BASE64 = Base64.getUrlEncoder().withoutPadding();

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
      return start == null
          ? scan(masters, master, ScanCursor.INITIAL.getCursor(), null, null, pattern, pageSize, names, 0)
          : scan(masters, master, start.cursor(), start.after(), start.bound(), pattern, pageSize, names, 0);
    });
  }

  /**
   * Scans {@code master} from {@code cursor} until the page is full or the scan limit is reached.
   * With {@code after}, the batch at {@code cursor} was partly taken by the page before: keys up
   * to {@code after} are skipped, and {@code bound} is the cursor that batch returned then.
   */
  private CompletionStage<CounterPage> scan(List<RedisGateway.Master> masters, int master, String cursor,
      @Nullable String after, @Nullable String bound, String pattern, int pageSize, List<String> names, int scans) {
    if (master >= masters.size()) {
      return CompletableFuture.completedFuture(new CounterPage(names, null, ""));
    }
    if (names.size() >= pageSize || scans >= MAX_SCANS_PER_PAGE) {
      return CompletableFuture.completedFuture(
          new CounterPage(names, null, new Position(masters.get(master).id(), cursor, after, bound).encode()));
    }
    return masters.get(master).commands()
        .scan(ScanCursor.of(cursor), ScanArgs.Builder.matches(pattern).limit(Math.max(pageSize, 100)))
        .thenCompose((KeyScanCursor<String> batch) -> {
          // Where to go on once this batch is taken: the earlier of what its scans returned.
          String next = bound == null ? scanned(batch) : earlier(bound, scanned(batch));
          List<String> batchKeys = new ArrayList<>(batch.getKeys());
          Collections.sort(batchKeys);
          String last = after;
          for (String key : batchKeys) {
            if (after != null && key.compareTo(after) <= 0) {
              continue;
            }
            if (names.size() == pageSize) {
              // The page is full inside this batch: the next page scans it again, after `last`.
              return CompletableFuture.completedFuture(new CounterPage(names, null,
                  new Position(masters.get(master).id(), cursor, last, next).encode()));
            }
            names.add(keys.nameOf(key));
            last = key;
          }
          return FINISHED.equals(next)
              ? scan(masters, master + 1, ScanCursor.INITIAL.getCursor(), null, null, pattern, pageSize, names,
                  scans + 1)
              : scan(masters, master, next, null, null, pattern, pageSize, names, scans + 1);
        });
  }

  /** The cursor a SCAN reply says to go on from, {@link #FINISHED} when the master is done. */
  private static String scanned(KeyScanCursor<String> batch) {
    return batch.isFinished() ? FINISHED : batch.getCursor();
  }

  /**
   * The cursor SCAN reaches first. SCAN walks cursors in the order of their bit-reversed values
   * (that is how it survives table resizes), so that order compares them; finished is last.
   */
  static String earlier(String a, String b) {
    if (FINISHED.equals(a)) {
      return b;
    }
    if (FINISHED.equals(b)) {
      return a;
    }
    long reversedA = Long.reverse(Long.parseUnsignedLong(a));
    long reversedB = Long.reverse(Long.parseUnsignedLong(b));
    return Long.compareUnsigned(reversedA, reversedB) <= 0 ? a : b;
  }

  /**
   * Where a listing goes on: a master, a SCAN cursor and, when a page stopped inside the batch at
   * that cursor, the last key it took from it and the cursor that batch returned.
   */
  private record Position(String master, String cursor, @Nullable String after, @Nullable String bound) {
    String encode() {
      String afterText = after == null ? "" : BASE64.encodeToString(after.getBytes(StandardCharsets.UTF_8));
      return BASE64.encodeToString((TOKEN_VERSION + ":" + master + ":" + cursor + ":" + afterText + ":"
          + (bound == null ? "" : bound)).getBytes(StandardCharsets.UTF_8));
    }

    /** The position of a token, null for the first page; IllegalArgumentException for a foreign one. */
    static Position decode(String token) {
      if (token.isEmpty()) {
        return null;
      }
      try {
        String text = new String(Base64.getUrlDecoder().decode(token), StandardCharsets.UTF_8);
        String[] parts = text.split(":", -1);
        // Version 1 (master and cursor only) came from nodes before pages were capped exactly.
        boolean v1 = parts.length == 3 && "1".equals(parts[0]);
        boolean v2 = parts.length == 5 && TOKEN_VERSION.equals(parts[0]) && parts[3].isEmpty() == parts[4].isEmpty()
            && (parts[4].isEmpty() || parts[4].matches("[0-9]+|" + FINISHED));
        if (!(v1 || v2) || parts[1].isEmpty() || !parts[2].matches("[0-9]+")) {
          throw new IllegalArgumentException("not a page token of this service");
        }
        if (v1 || parts[3].isEmpty()) {
          return new Position(parts[1], parts[2], null, null);
        }
        String after = new String(Base64.getUrlDecoder().decode(parts[3]), StandardCharsets.UTF_8);
        return new Position(parts[1], parts[2], after, parts[4]);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("not a page token of this service", e);
      }
    }
  }
}
