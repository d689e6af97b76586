package dev.counter.server.store.redis;

import static dev.counter.server.store.redis.TestOp.op;
import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.store.CounterOps;
import dev.counter.server.store.CounterPage;
import dev.counter.server.store.IncrementOp;
import dev.counter.server.store.IncrementWrite;
import dev.counter.server.store.WriteResult;
import dev.counter.server.store.WriteResult.Outcome;
import dev.counter.server.store.WriteToken;
import dev.counter.server.testing.Await;
import dev.counter.server.testing.RedisClock;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Redis store and its flush script against a real redis-server. */
class RedisCounterStoreIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static final BigInteger MIN = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger MAX = BigInteger.valueOf(Long.MAX_VALUE);

  private static StandaloneStores stores;
  private static StatefulRedisConnection<String, String> admin;
  private static final CounterKeys keys = StandaloneStores.KEYS;
  private static RedisCounterStore nodeA;
  private static RedisCounterStore nodeB;

  @BeforeAll
  static void connect() {
    stores = new StandaloneStores(redis.uri());
    admin = stores.admin();
    nodeA = store(1);
    nodeB = store(2);
  }

  private static RedisCounterStore store(int nodeId) {
    return store(nodeId, Duration.ofMinutes(10));
  }

  private static RedisCounterStore store(int nodeId, Duration idempotencyWindow) {
    return stores.store(nodeId, idempotencyWindow);
  }

  @AfterAll
  static void close() {
    stores.close();
  }

  @Test
  void pagesOfAListingMissNoCounterWhileOtherKeysAreDeletedBetweenThem() {
    // Deleted keys make a second SCAN of the same cursor cover more buckets than the first: a page
    // that went on "after the last key taken" in that wider batch skipped counters for good.
    String prefix = TestNames.unique("paged") + ":";
    RedisCounterStore store = store(1);
    java.util.Set<String> expected = new java.util.HashSet<>();
    for (int i = 0; i < 1_500; i++) {
      String name = prefix + i;
      admin.sync().hset(keys.counter(name), "1", "1");
      expected.add(name);
    }
    String[] junk = new String[40_000];
    for (int i = 0; i < junk.length; i++) {
      junk[i] = "junk:" + prefix + i;
    }
    for (int i = 0; i < junk.length; i += 1_000) {
      java.util.Map<String, String> batch = new java.util.HashMap<>();
      for (int j = i; j < i + 1_000; j++) {
        batch.put(junk[j], "x");
      }
      admin.sync().mset(batch);
    }

    java.util.Set<String> listed = new java.util.HashSet<>();
    String token = "";
    int deleted = 0;
    for (int page = 0; page < 100_000; page++) {
      CounterPage result = store.list(prefix, 7, token, false).toCompletableFuture().join();
      assertThat(result.names()).hasSizeLessThanOrEqualTo(7);
      listed.addAll(result.names());
      token = result.nextToken();
      if (token.isEmpty()) {
        break;
      }
      for (int i = 0; i < 200 && deleted < junk.length; i++) {
        admin.sync().del(junk[deleted++]);
      }
    }
    assertThat(token).as("the listing ended").isEmpty();
    assertThat(listed).containsAll(expected);
  }

  @Test
  void valuesStayExactAcrossTheWholeInt64RangeAndOverflowIsRejected() {
    Random random = new Random(7);
    long[] interesting = {0, 1, -1, Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - 1, Long.MIN_VALUE + 1,
        1L << 53, (1L << 53) + 1, -(1L << 53) - 1, 999_999_999, 1_000_000_000, -1_000_000_000, 1_000_000_001};
    String name = TestNames.unique("exact");
    BigInteger total = BigInteger.ZERO;
    BigInteger shardA = BigInteger.ZERO;
    BigInteger shardB = BigInteger.ZERO;
    int rejected = 0;
    for (int round = 0; round < 300; round++) {
      boolean onA = random.nextBoolean();
      List<Long> deltas = new ArrayList<>();
      int size = 1 + random.nextInt(6);
      for (int i = 0; i < size; i++) {
        deltas.add(switch (random.nextInt(3)) {
          case 0 -> interesting[random.nextInt(interesting.length)];
          case 1 -> random.nextLong();
          default -> (long) random.nextInt(2_000_001) - 1_000_000;
        });
      }
      WriteResult result = write(onA ? nodeA : nodeB, name, deltas);
      for (int i = 0; i < deltas.size(); i++) {
        BigInteger delta = BigInteger.valueOf(deltas.get(i));
        BigInteger newTotal = total.add(delta);
        BigInteger newShard = (onA ? shardA : shardB).add(delta);
        if (fits(newTotal) && fits(newShard)) {
          assertThat(result.outcome(i)).as("round %d item %d", round, i).isEqualTo(Outcome.APPLIED);
          assertThat(result.value(i)).isEqualTo(newTotal.longValueExact());
          total = newTotal;
          if (onA) {
            shardA = newShard;
          } else {
            shardB = newShard;
          }
        } else {
          assertThat(result.outcome(i)).as("round %d item %d", round, i).isEqualTo(Outcome.OUT_OF_RANGE);
          rejected++;
        }
      }
      assertThat(nodeA.get(name).toCompletableFuture().join()).isEqualTo(total.longValueExact());
    }
    assertThat(rejected).as("the random walk hit the limits").isGreaterThan(10);
    assertThat(nodeB.shards(name).toCompletableFuture().join())
        .containsEntry("1", shardA.longValueExact())
        .containsEntry("2", shardB.longValueExact());
  }

  /**
   * The script's cheapest path decides by string length alone (shards and running sums shorter
   * than 17 characters); this walk keeps values around that boundary, on five nodes, and checks
   * every returned value and every shard against exact arithmetic.
   */
  @Test
  void theLengthOnlyPathAgreesWithExactArithmeticAroundItsBoundary() {
    Random random = new Random(11);
    long edge = 10_000_000_000_000_000L; // 10^16: 17 digits, the first value too long for it
    long[] near = {edge - 1, edge, edge / 10 - 1, edge / 10, edge / 10 + 1, edge / 100, 9, 0, 1};
    List<RedisCounterStore> nodes = new ArrayList<>();
    for (int id = 1; id <= 5; id++) {
      nodes.add(store(id));
    }
    String name = TestNames.unique("edge");
    BigInteger total = BigInteger.ZERO;
    BigInteger[] shards = {BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO, BigInteger.ZERO};
    for (int round = 0; round < 400; round++) {
      int node = random.nextInt(nodes.size());
      List<Long> deltas = new ArrayList<>();
      int size = 1 + random.nextInt(4);
      for (int i = 0; i < size; i++) {
        long delta = Math.abs(near[random.nextInt(near.length)]);
        // Mostly towards zero, so the shards keep crossing the boundary instead of drifting off.
        boolean down = shards[node].signum() > 0 ? random.nextInt(10) < 7 : random.nextInt(10) < 3;
        deltas.add(down ? -delta : delta);
      }
      WriteResult result = write(nodes.get(node), name, deltas);
      for (int i = 0; i < size; i++) {
        BigInteger newTotal = total.add(BigInteger.valueOf(deltas.get(i)));
        BigInteger newShard = shards[node].add(BigInteger.valueOf(deltas.get(i)));
        assertThat(fits(newTotal) && fits(newShard)).as("the walk stays inside int64").isTrue();
        assertThat(result.outcome(i)).as("round %d item %d", round, i).isEqualTo(Outcome.APPLIED);
        assertThat(result.value(i)).as("round %d item %d", round, i).isEqualTo(newTotal.longValueExact());
        total = newTotal;
        shards[node] = newShard;
      }
    }
    Map<String, Long> stored = nodeA.shards(name).toCompletableFuture().join();
    for (int id = 1; id <= 5; id++) {
      assertThat(stored.getOrDefault(Integer.toString(id), 0L)).as("shard %d", id)
          .isEqualTo(shards[id - 1].longValueExact());
    }
    assertThat(nodeA.get(name).toCompletableFuture().join()).isEqualTo(total.longValueExact());
  }

  @Test
  void aNonCanonicalShardTakesTheParsingPathAndStillSumsExactly() {
    String name = TestNames.unique("noncanonical");
    // Not written by any node (HINCRBY never produces it), but a number: counted like 7.
    admin.sync().hset(keys.counter(name), "9", "007");
    assertThat(write(nodeA, name, List.of(5L)).value(0)).isEqualTo(12);
    assertThat(write(nodeA, name, List.of(1L, 2L)).value(1)).isEqualTo(15);
  }

  @Test
  void anOverflowFailsAloneWhileOtherIncrementsOfTheSameWriteApply() {
    String full = TestNames.unique("full");
    String other = TestNames.unique("other");
    write(nodeA, full, List.of(Long.MAX_VALUE - 1));

    IncrementWrite write = new IncrementWrite(List.of(
        new CounterOps(full, ops(1, 1, -5)),
        new CounterOps(other, ops(3))), null);
    WriteResult result = apply(nodeA, write);

    assertThat(result.outcome(0)).isEqualTo(Outcome.APPLIED);
    assertThat(result.value(0)).isEqualTo(Long.MAX_VALUE);
    assertThat(result.outcome(1)).isEqualTo(Outcome.OUT_OF_RANGE);
    assertThat(result.outcome(2)).isEqualTo(Outcome.APPLIED);
    assertThat(result.value(2)).isEqualTo(Long.MAX_VALUE - 5);
    assertThat(result.outcome(3)).isEqualTo(Outcome.APPLIED);
    assertThat(result.value(3)).isEqualTo(3);
    assertThat(nodeA.get(full).toCompletableFuture().join()).isEqualTo(Long.MAX_VALUE - 5);
  }

  /**
   * The script's inline fast path takes a flush only when every counter in it qualifies; a write
   * that mixes a short plain counter with one carrying request ids and one near the limits falls
   * through to the general path, having written nothing, and every counter comes out right.
   */
  @Test
  void aWriteMixingFastAndGeneralCountersFallsThroughWhole() {
    String shortOne = TestNames.unique("mix-short");
    String withIds = TestNames.unique("mix-ids");
    String nearLimit = TestNames.unique("mix-long");
    write(nodeA, nearLimit, List.of(Long.MAX_VALUE - 10));
    IncrementWrite write = new IncrementWrite(List.of(
        new CounterOps(shortOne, ops(2, 3)),
        new CounterOps(withIds, List.of(op(5, "m1"), op(5, "m1"))),
        new CounterOps(nearLimit, ops(4, 7))), null);

    WriteResult result = apply(nodeA, write);

    assertThat(result.value(1)).isEqualTo(5);
    assertThat(result.value(2)).isEqualTo(5);
    assertThat(result.outcome(3)).isEqualTo(Outcome.DUPLICATE);
    assertThat(result.value(4)).isEqualTo(Long.MAX_VALUE - 6);
    assertThat(result.outcome(5)).isEqualTo(Outcome.OUT_OF_RANGE);
    assertThat(nodeA.getAll(List.of(shortOne, withIds, nearLimit)).toCompletableFuture().join())
        .containsExactly(5L, 5L, Long.MAX_VALUE - 6);
  }

  @Test
  void aShardNearTheLimitStillSumsExactlyWithOtherShards() {
    String name = TestNames.unique("shards");
    write(nodeA, name, List.of(Long.MAX_VALUE));
    write(nodeB, name, List.of(-10L));

    // Total MAX-10+5 fits, but node A's shard would pass MAX: rejected, the counter keeps its value.
    assertThat(write(nodeA, name, List.of(5L)).outcome(0)).isEqualTo(Outcome.OUT_OF_RANGE);
    WriteResult viaB = write(nodeB, name, List.of(5L));

    assertThat(viaB.value(0)).isEqualTo(Long.MAX_VALUE - 5);
    assertThat(nodeA.get(name).toCompletableFuture().join()).isEqualTo(Long.MAX_VALUE - 5);
    assertThat(nodeA.reset(name).toCompletableFuture().join()).isEqualTo(Long.MAX_VALUE - 5);
  }

  @Test
  void aRequestIdAppliesOnceWithinAWriteAcrossWritesAndAcrossNodes() {
    String name = TestNames.unique("idem");
    IncrementWrite first = new IncrementWrite(List.of(new CounterOps(name, List.of(
        op(5, "r1"), op(5, "r1"), op(1, "")))), null);
    WriteResult result = apply(nodeA, first);
    WriteResult retryOnB = apply(nodeB, new IncrementWrite(List.of(new CounterOps(name, List.of(op(5, "r1")))), null));
    WriteResult sameIdOtherCounter = write(nodeB, TestNames.unique("elsewhere"), List.of(op(2, "r1")));

    assertThat(result.outcome(0)).isEqualTo(Outcome.APPLIED);
    assertThat(result.value(0)).isEqualTo(5);
    assertThat(result.outcome(1)).isEqualTo(Outcome.DUPLICATE);
    assertThat(result.value(1)).isEqualTo(5);
    assertThat(result.value(2)).isEqualTo(6);
    assertThat(retryOnB.outcome(0)).isEqualTo(Outcome.DUPLICATE);
    assertThat(retryOnB.value(0)).isEqualTo(5);
    assertThat(sameIdOtherCounter.outcome(0)).as("ids are scoped to their counter").isEqualTo(Outcome.APPLIED);
    assertThat(nodeA.get(name).toCompletableFuture().join()).isEqualTo(6);
  }

  @Test
  void idempotencyRecordsSurviveAResetAndExpire() {
    String name = TestNames.unique("idem-reset");
    write(nodeA, name, List.of(op(4, "once")));
    assertThat(nodeA.reset(name).toCompletableFuture().join()).isEqualTo(4);

    WriteResult retry = write(nodeA, name, List.of(op(4, "once")));

    assertThat(retry.outcome(0)).isEqualTo(Outcome.DUPLICATE);
    assertThat(nodeA.get(name).toCompletableFuture().join()).isZero();
    assertThat(admin.sync().keys(keys.counter(name) + ":*")).as("one generation of records so far")
        .containsExactly(keys.records(name, 0));
    long ttlMillis = admin.sync().pttl(keys.records(name, 0));
    assertThat(ttlMillis).isBetween(Duration.ofMinutes(9).toMillis(), Duration.ofMinutes(10).toMillis());
  }

  /** Nodes may run with different windows (a rolling change of the flag): records are found all the same. */
  @Test
  void aRequestIdIsFoundWhateverWindowTheNodeLookingItUpRunsWith() {
    String name = TestNames.unique("windows");
    RedisCounterStore tenMinutes = store(3, Duration.ofMinutes(10));
    RedisCounterStore fifteenMinutes = store(4, Duration.ofMinutes(15));
    RedisCounterStore oneMinute = store(5, Duration.ofMinutes(1));

    assertThat(write(tenMinutes, name, List.of(op(5, "first"))).value(0)).isEqualTo(5);
    WriteResult retry = write(fifteenMinutes, name, List.of(op(5, "first"), op(1, "second")));
    WriteResult again = write(oneMinute, name, List.of(op(5, "first"), op(1, "second")));

    assertThat(retry.outcome(0)).isEqualTo(Outcome.DUPLICATE);
    assertThat(retry.value(0)).isEqualTo(5);
    assertThat(retry.value(1)).isEqualTo(6);
    assertThat(again.outcome(0)).isEqualTo(Outcome.DUPLICATE);
    assertThat(again.outcome(1)).isEqualTo(Outcome.DUPLICATE);
    assertThat(nodeA.get(name).toCompletableFuture().join()).isEqualTo(6);
    assertThat(admin.sync().pttl(keys.records(name, 0))).as("the longest window keeps the records")
        .isGreaterThan(Duration.ofMinutes(14).toMillis());
  }

  /**
   * Generations rotate on the Redis clock: a record outlives a node with a much shorter window
   * that keeps writing, because a generation is only cleared once every window that wrote into it
   * has passed; and records of a short window are eventually forgotten, so two keys hold them all.
   */
  @Test
  void recordGenerationsRotateOnlyOnceEveryWriterWindowPassed() {
    String name = TestNames.unique("rotate");
    RedisCounterStore longWindow = store(6, Duration.ofSeconds(30));
    RedisCounterStore shortWindow = store(7, Duration.ofMillis(100));
    write(longWindow, name, List.of(op(1, "kept")));
    write(shortWindow, name, List.of(op(1, "forgotten")));

    long start = redisMillis();
    int round = 0;
    // Ten short windows of writes through the short-window node (bounded by the Redis clock).
    while (redisMillis() - start < 1_000 && round < 100_000) {
      write(shortWindow, name, List.of(op(1, "r" + round++)));
    }
    assertThat(write(shortWindow, name, List.of(op(1, "kept"))).outcome(0)).isEqualTo(Outcome.DUPLICATE);
    assertThat(admin.sync().keys(keys.counter(name) + ":*")).as("not rotated: the 30 s window still runs")
        .containsExactly(keys.records(name, 0));

    RedisCounterStore shortOnly = store(8, Duration.ofMillis(100));
    String other = TestNames.unique("rotate-short");
    write(shortOnly, other, List.of(op(1, "forgotten")));
    int[] ticks = {0};
    Await.until("the short window's record is cleared by rotations", Duration.ofSeconds(10), () -> {
      write(shortOnly, other, List.of(op(0, "tick" + ticks[0]++)));
      return admin.sync().hexists(keys.records(other, 0), "forgotten") == Boolean.FALSE
          && admin.sync().hexists(keys.records(other, 1), "forgotten") == Boolean.FALSE;
    });
    assertThat(admin.sync().keys(keys.counter(other) + ":*")).as("two generations (at most) hold every record")
        .isSubsetOf(keys.records(other, 0), keys.records(other, 1));
    assertThat(write(shortOnly, other, List.of(op(1, "forgotten"))).outcome(0)).isEqualTo(Outcome.APPLIED);
  }

  private static long redisMillis() {
    return RedisClock.millis(admin.sync());
  }

  @Test
  void aTokenMakesAResendApplyNothing() {
    String name = TestNames.unique("token");
    WriteToken token = new WriteToken("test-" + name, name);
    IncrementWrite write = new IncrementWrite(List.of(new CounterOps(name, ops(3, 4))), token);

    WriteResult first = apply(nodeA, write);
    WriteResult resend = apply(nodeA, new IncrementWrite(List.of(new CounterOps(name, ops(4))), token));

    assertThat(first.value(1)).isEqualTo(7);
    assertThat(resend.outcome(0)).isEqualTo(Outcome.ALREADY_APPLIED);
    assertThat(nodeA.get(name).toCompletableFuture().join()).isEqualTo(7);
  }

  @Test
  void namesThatLookLikeOtherKeysNeverShareStorage() {
    String base = TestNames.unique("v");
    List<String> names = List.of(base, base + "}", "{" + base + "}", base + "%7D", base + "}:i:0", base + "}:r0", base + ":r1", base + ":w:x",
        base + "\u0000", base + " ", base + "\uD83D\uDE00", "node:1" + base, base + "%");
    for (int i = 0; i < names.size(); i++) {
      write(nodeA, names.get(i), List.of(op(i + 1, "same-id")));
    }
    List<Long> values = nodeA.getAll(names).toCompletableFuture().join();
    for (int i = 0; i < names.size(); i++) {
      assertThat(values.get(i)).as("counter %s", names.get(i)).isEqualTo(i + 1);
    }
  }

  @Test
  void aWriteThatMeetsForeignDataFailsWholeAndAppliesNothing() {
    String good = TestNames.unique("good");
    String bad = TestNames.unique("bad");
    admin.sync().hset(keys.counter(bad), "9", "not-a-number");
    WriteToken token = new WriteToken("t-" + good, good);
    IncrementWrite write = new IncrementWrite(List.of(new CounterOps(good, ops(10)), new CounterOps(bad, ops(1))), token);

    for (int attempt = 0; attempt < 3; attempt++) {
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> apply(nodeA, write))
          .hasRootCauseInstanceOf(io.lettuce.core.RedisCommandExecutionException.class);
    }

    // Redis does not roll back a failed script: the flush script must fail before its first write.
    assertThat(nodeA.get(good).toCompletableFuture().join()).isZero();
    assertThat(admin.sync().exists(keys.writeToken(good, token.id()))).isZero();
  }

  @Test
  void readsOfManyCountersGoTogetherAndOneBadKeyFailsOnlyItsOwnRead() {
    String a = TestNames.unique("each-a");
    String b = TestNames.unique("each-b");
    String wrongType = TestNames.unique("each-wrongtype");
    write(nodeA, a, List.of(5L));
    write(nodeB, a, List.of(-2L));
    write(nodeA, b, List.of(Long.MAX_VALUE));
    admin.sync().set(keys.counter(wrongType), "a string, not a hash");

    List<java.util.concurrent.CompletableFuture<Long>> values =
        nodeA.getEach(List.of(a, wrongType, b, TestNames.unique("each-unknown"), a));

    assertThat(values.get(0).join()).isEqualTo(3);
    assertThat(values.get(1)).failsWithin(Duration.ofSeconds(5));
    assertThat(values.get(2).join()).isEqualTo(Long.MAX_VALUE);
    assertThat(values.get(3).join()).isZero();
    assertThat(values.get(4).join()).isEqualTo(3);
    assertThat(nodeA.getAll(List.of(b, a)).toCompletableFuture().join()).containsExactly(Long.MAX_VALUE, 3L);
  }

  @Test
  void survivesAScriptCacheFlush() {
    String name = TestNames.unique("noscript");
    write(nodeA, name, List.of(1L));
    admin.sync().scriptFlush();

    assertThat(write(nodeA, name, List.of(1L)).value(0)).isEqualTo(2);
    assertThat(nodeA.reset(name).toCompletableFuture().join()).isEqualTo(2);
  }

  @Test
  void readsOfUnknownCountersAreZero() {
    String name = TestNames.unique("unknown");
    assertThat(nodeA.get(name).toCompletableFuture().join()).isZero();
    assertThat(nodeA.shards(name).toCompletableFuture().join()).isEmpty();
    assertThat(nodeA.reset(name).toCompletableFuture().join()).isZero();
    assertThat(nodeA.getAll(List.of(name, name)).toCompletableFuture().join()).containsExactly(0L, 0L);
  }

  @Test
  void shardsAreStoredAsDecimalStringsInOneHashPerCounter() {
    String name = TestNames.unique("layout");
    write(nodeA, name, List.of(Long.MIN_VALUE + 1));
    write(nodeB, name, List.of(12L));

    RedisCommands<String, String> sync = admin.sync();
    Map<String, String> hash = sync.hgetall(keys.counter(name));
    assertThat(hash).containsExactlyInAnyOrderEntriesOf(Map.of("1", Long.toString(Long.MIN_VALUE + 1), "2", "12"));
  }

  /** Applies one write as a flush of its own. */
  private static WriteResult apply(RedisCounterStore store, IncrementWrite write) {
    return store.write(List.of(write)).get(0).join();
  }

  private static boolean fits(BigInteger value) {
    return value.compareTo(MIN) >= 0 && value.compareTo(MAX) <= 0;
  }

  private static WriteResult write(RedisCounterStore store, String name, List<?> deltasOrOps) {
    List<IncrementOp> ops = new ArrayList<>();
    for (Object item : deltasOrOps) {
      ops.add(item instanceof IncrementOp op ? op : op((Long) item, ""));
    }
    return apply(store, new IncrementWrite(List.of(new CounterOps(name, ops)), null));
  }

  private static List<IncrementOp> ops(long... deltas) {
    List<IncrementOp> ops = new ArrayList<>();
    for (long delta : deltas) {
      ops.add(op(delta, ""));
    }
    return ops;
  }
}
