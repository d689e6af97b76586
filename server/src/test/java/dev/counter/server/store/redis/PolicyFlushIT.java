package dev.counter.server.store.redis;

import static dev.counter.server.store.redis.TestOp.op;
import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.store.Bucket;
import dev.counter.server.store.CounterOps;
import dev.counter.server.store.Decided;
import dev.counter.server.store.IncrementOp;
import dev.counter.server.store.IncrementPolicy;
import dev.counter.server.store.IncrementWrite;
import dev.counter.server.store.LimitSpec;
import dev.counter.server.store.WriteResult;
import dev.counter.server.store.WriteResult.Outcome;
import dev.counter.server.testing.RedisClock;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.window.CalendarPeriods;
import dev.counter.server.window.FixedPeriods;
import dev.counter.server.window.WindowSpec;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The flush script's windows, limits and expiry (form 'L') against a real redis-server, one write
 * at a time: what each increment of a batch is decided and told, and what Redis holds after.
 */
class PolicyFlushIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static final CounterKeys keys = StandaloneStores.KEYS;
  private static final WindowSpec TEN_SECONDS = new WindowSpec(new FixedPeriods(10_000), 600_000);
  private static StandaloneStores stores;
  private static StatefulRedisConnection<String, String> admin;
  private static RedisCounterStore store;

  @BeforeAll
  static void connect() {
    stores = new StandaloneStores(redis.uri());
    admin = stores.admin();
    store = stores.store(1, Duration.ofMinutes(10));
  }

  @AfterAll
  static void close() {
    stores.close();
  }

  @Test
  void aWindowedIncrementCountsIntoThePeriodOfTheRedisClock() {
    String name = TestNames.unique("window");
    IncrementPolicy policy = policy(List.of(TEN_SECONDS), List.of(), IncrementPolicy.LimitMode.ENFORCE, 0);
    long before = redisMillis();
    WriteResult result = write(name, op(5, "", policy), op(2, "", policy));
    long after = redisMillis();

    Decided second = result.decided(1);
    assertThat(second.applied()).isTrue();
    assertThat(second.decision()).isEqualTo(Decided.Decision.NONE);
    assertThat(second.value()).isEqualTo(7);
    Decided.WindowPeriod period = second.windows().get(0);
    assertThat(period.endMillis() - period.startMillis()).isEqualTo(10_000);
    assertThat(period.startMillis()).isBetween(new FixedPeriods(10_000).start(new FixedPeriods(10_000).indexAt(before)),
        after);
    assertThat(period.value()).as("one write is one instant of the Redis clock").isEqualTo(7);
    assertThat(admin.sync().hgetall(keys.meta(name))).containsOnlyKeys("f10000");
    assertThat(admin.sync().pttl(keys.window(name, "f10000"))).isBetween(600_000L, 610_000L);
  }

  @Test
  void aPeriodLimitAdmitsExactlyUpToItsMaxInOneWrite() {
    String name = TestNames.unique("period-limit");
    IncrementPolicy policy = policy(List.of(TEN_SECONDS),
        List.of(new LimitSpec(LimitSpec.Scope.PERIOD, 0, 1, null, 3L)), IncrementPolicy.LimitMode.ENFORCE, 0);
    List<IncrementOp> ops = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ops.add(op(1, "", policy));
    }
    long now = redisMillis();
    WriteResult result = write(name, ops.toArray(IncrementOp[]::new));

    for (int i = 0; i < 3; i++) {
      assertThat(result.outcome(i)).isEqualTo(Outcome.APPLIED);
      assertThat(result.decided(i).decision()).isEqualTo(Decided.Decision.ALLOWED);
      assertThat(result.decided(i).limits().get(0).sum()).isEqualTo(i + 1);
      assertThat(result.decided(i).limits().get(0).remaining()).isEqualTo(2 - i);
    }
    for (int i = 3; i < 5; i++) {
      Decided denied = result.decided(i);
      assertThat(result.outcome(i)).isEqualTo(Outcome.NOT_APPLIED);
      assertThat(denied.decision()).isEqualTo(Decided.Decision.DENIED);
      assertThat(denied.limits().get(0).exceeded()).isTrue();
      assertThat(denied.limits().get(0).sum()).isEqualTo(3);
      assertThat(denied.value()).isEqualTo(3);
      long periodEnd = denied.windows().get(0).endMillis();
      assertThat(denied.retryAfterMillis()).isPositive().isLessThanOrEqualTo(periodEnd - now);
    }
    assertThat(store.get(name).toCompletableFuture().join()).isEqualTo(3);
  }

  @Test
  void aFloorOnTheValueAdmitsExactlyWhatIsThere() {
    String name = TestNames.unique("floor");
    write(name, op(10, "", null));
    IncrementPolicy floor = policy(List.of(), List.of(new LimitSpec(LimitSpec.Scope.VALUE, -1, 1, 0L, null)),
        IncrementPolicy.LimitMode.ENFORCE, 0);
    List<IncrementOp> ops = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      ops.add(op(-1, "", floor));
    }
    WriteResult result = write(name, ops.toArray(IncrementOp[]::new));

    int allowed = 0;
    for (int i = 0; i < 30; i++) {
      allowed += result.outcome(i) == Outcome.APPLIED ? 1 : 0;
      if (result.outcome(i) == Outcome.NOT_APPLIED) {
        assertThat(result.decided(i).retryAfterMillis()).as("a value limit never frees up by itself").isEqualTo(-1);
      }
    }
    assertThat(allowed).isEqualTo(10);
    assertThat(store.get(name).toCompletableFuture().join()).isZero();
  }

  @Test
  void shadowModeAppliesAndReportsAndADryRunAppliesNothing() {
    String name = TestNames.unique("modes");
    LimitSpec max2 = new LimitSpec(LimitSpec.Scope.VALUE, -1, 1, null, 2L);
    IncrementPolicy shadow = policy(List.of(TEN_SECONDS), List.of(max2), IncrementPolicy.LimitMode.SHADOW, 0);
    IncrementPolicy dryRun = policy(List.of(TEN_SECONDS), List.of(max2), IncrementPolicy.LimitMode.DRY_RUN, 0);

    WriteResult result = write(name, op(3, "", shadow), op(0, "", dryRun), op(-5, "", dryRun));

    assertThat(result.decided(0).applied()).isTrue();
    assertThat(result.decided(0).decision()).isEqualTo(Decided.Decision.DENIED);
    assertThat(result.decided(0).limits().get(0).sum()).isEqualTo(3);
    assertThat(result.decided(0).limits().get(0).remaining()).isZero();
    assertThat(result.decided(1).applied()).isFalse();
    assertThat(result.decided(1).decision()).isEqualTo(Decided.Decision.DENIED);
    assertThat(result.decided(2).applied()).isFalse();
    assertThat(result.decided(2).decision()).isEqualTo(Decided.Decision.ALLOWED);
    assertThat(result.decided(2).limits().get(0).sum()).as("a dry run reports the sum as it is").isEqualTo(3);
    assertThat(result.decided(2).windows().get(0).value()).isEqualTo(3);
    assertThat(store.get(name).toCompletableFuture().join()).isEqualTo(3);
  }

  @Test
  void aRetryReplaysItsFirstDecisionAndADeniedIncrementAppliesNothingAnywhere() {
    String name = TestNames.unique("replay");
    IncrementPolicy policy = policy(List.of(TEN_SECONDS, calendarDay()),
        List.of(new LimitSpec(LimitSpec.Scope.PERIOD, 0, 1, null, 1L)), IncrementPolicy.LimitMode.ENFORCE, 0);
    WriteResult first = write(name, op(1, "a", policy), op(1, "b", policy));
    WriteResult retry = write(name, op(1, "b", policy), op(1, "a", policy));

    assertThat(first.decided(1).decision()).isEqualTo(Decided.Decision.DENIED);
    assertThat(retry.outcome(0)).isEqualTo(Outcome.DUPLICATE);
    assertThat(retry.decided(0)).isEqualTo(first.decided(1));
    assertThat(retry.decided(1)).isEqualTo(first.decided(0));
    // The denied one touched neither the value nor the other window.
    assertThat(store.get(name).toCompletableFuture().join()).isEqualTo(1);
    assertThat(first.decided(1).windows().get(1).value()).isEqualTo(1);
  }

  @Test
  void aSlidingLimitCountsTheLastPeriodsAndItsRetryIsWhenTheOldestLeave() {
    WindowSpec seconds = new WindowSpec(new FixedPeriods(1000), 60_000);
    IncrementPolicy policy = policy(List.of(seconds),
        List.of(new LimitSpec(LimitSpec.Scope.SLIDING, 0, 3, null, 4L)), IncrementPolicy.LimitMode.ENFORCE, 0);
    // Seeds two older buckets (2 in the period before last, 1 in the last) for the second the
    // Redis clock is in; tries again when the second turns before the write lands.
    for (int attempt = 0; attempt < 5; attempt++) {
      String name = TestNames.unique("sliding");
      long current = redisMillis() / 1000;
      admin.sync().hset(keys.window(name, "f1000"), Long.toString((current - 2) % 4100), (current - 2) + ":2");
      admin.sync().hset(keys.window(name, "f1000"), Long.toString((current - 1) % 4100), (current - 1) + ":1");

      WriteResult result = write(name, op(1, "", policy), op(1, "", policy));
      Decided allowed = result.decided(0);
      Decided denied = result.decided(1);
      if (allowed.windows().get(0).startMillis() != current * 1000) {
        continue;
      }
      assertThat(allowed.limits().get(0).sum()).isEqualTo(4);
      assertThat(allowed.limits().get(0).coveredStartMillis()).isEqualTo((current - 2) * 1000);
      assertThat(allowed.limits().get(0).coveredEndMillis()).isEqualTo((current + 1) * 1000);
      assertThat(denied.decision()).isEqualTo(Decided.Decision.DENIED);
      // The bucket of 2 leaves when the next second starts: then 1 + 1 + 1 fits.
      assertThat(denied.retryAfterMillis()).isBetween(0L, 1000L);
      return;
    }
    throw new AssertionError("the Redis clock turned a second during every one of 5 attempts");
  }

  @Test
  void sumsAndRemaindersBeyondInt64AreClampedAndDecideExactly() {
    // max - sum = 2^63 and sum - min = 2^63: one past the int64 range each.
    String name = TestNames.unique("edge");
    IncrementPolicy atMostMax = policy(List.of(), List.of(new LimitSpec(LimitSpec.Scope.VALUE, 0, 1, null,
        Long.MAX_VALUE)), IncrementPolicy.LimitMode.ENFORCE, 0);
    IncrementPolicy atLeastMin = policy(List.of(), List.of(new LimitSpec(LimitSpec.Scope.VALUE, 0, 1, Long.MIN_VALUE,
        null)), IncrementPolicy.LimitMode.ENFORCE, 0);
    WriteResult values = write(name, op(-1, "", atMostMax), op(1, "", atLeastMin));
    assertThat(values.decided(0).applied()).isTrue();
    assertThat(values.decided(0).limits().get(0).remaining()).isEqualTo(Long.MAX_VALUE);
    assertThat(values.decided(1).limits().get(0).remaining()).isEqualTo(Long.MAX_VALUE);
    assertThat(values.decided(1).value()).isZero();

    // Two buckets of 5 * 10^18 each: a sliding sum of 10^19, past 2^63 - 1, is clamped in the
    // reply, and the decision is taken on the exact sum.
    WindowSpec seconds = new WindowSpec(new FixedPeriods(1000), 60_000);
    IncrementPolicy sliding = policy(List.of(seconds), List.of(new LimitSpec(LimitSpec.Scope.SLIDING, 0, 2, null,
        Long.MAX_VALUE)), IncrementPolicy.LimitMode.ENFORCE, 0);
    for (int attempt = 0; attempt < 5; attempt++) {
      String big = TestNames.unique("edge-sliding");
      long current = redisMillis() / 1000;
      admin.sync().hset(keys.window(big, "f1000"), Long.toString((current - 1) % 4100), (current - 1) + ":5000000000000000000");
      admin.sync().hset(keys.window(big, "f1000"), Long.toString(current % 4100), current + ":5000000000000000000");
      Decided denied = write(big, op(1, "", sliding)).decided(0);
      if (denied.windows().get(0).startMillis() != current * 1000) {
        continue;
      }
      assertThat(denied.decision()).isEqualTo(Decided.Decision.DENIED);
      assertThat(denied.limits().get(0).sum()).isEqualTo(Long.MAX_VALUE);
      assertThat(denied.limits().get(0).remaining()).isZero();
      assertThat(denied.applied()).isFalse();
      return;
    }
    throw new AssertionError("the Redis clock turned a second during every one of 5 attempts");
  }

  @Test
  void aTtlExpiresEveryKeyOfTheCounter() {
    String name = TestNames.unique("ttl");
    IncrementPolicy policy = policy(List.of(TEN_SECONDS), List.of(), IncrementPolicy.LimitMode.ENFORCE, 5_000);
    write(name, op(1, "id-1", policy));

    for (String key : List.of(keys.counter(name), keys.window(name, "f10000"), keys.meta(name),
        keys.records(name, 0))) {
      assertThat(admin.sync().pttl(key)).as(key).isBetween(1L, 5_000L);
    }
  }

  @Test
  void aWindowLivesAsLongAsItsLongestRetentionAndTheMetaHashOutlivesIt() {
    // A sliding limit keeps 120 s of buckets; a statistics writer names the same window with 10 s.
    String name = TestNames.unique("retentions");
    WindowSpec long120 = new WindowSpec(new FixedPeriods(1000), 120_000);
    WindowSpec short10 = new WindowSpec(new FixedPeriods(1000), 10_000);
    write(name, op(1, "", policy(List.of(long120), List.of(), IncrementPolicy.LimitMode.ENFORCE, 0)));
    write(name, op(1, "", policy(List.of(short10), List.of(), IncrementPolicy.LimitMode.ENFORCE, 0)));
    assertThat(admin.sync().pttl(keys.window(name, "f1000"))).as("not shortened by the 10 s retention")
        .isGreaterThan(100_000L);

    // A ttl of 2 s, then an increment without one: the window is kept for its retention, and the
    // meta hash (how Delete finds windows) must not expire before it.
    String mixed = TestNames.unique("ttl-then-plain");
    WindowSpec tenMinutes = TEN_SECONDS;
    write(mixed, op(1, "", policy(List.of(tenMinutes), List.of(), IncrementPolicy.LimitMode.ENFORCE, 2_000)));
    write(mixed, op(1, "", policy(List.of(tenMinutes), List.of(), IncrementPolicy.LimitMode.ENFORCE, 0)));
    long window = admin.sync().pttl(keys.window(mixed, "f10000"));
    assertThat(window).isGreaterThan(500_000L);
    assertThat(admin.sync().pttl(keys.meta(mixed))).isGreaterThanOrEqualTo(window - 1_000);
  }

  @Test
  void calendarWindowsLandInTheLocalPeriod() {
    String name = TestNames.unique("calendar");
    CalendarPeriods months = new CalendarPeriods(CalendarPeriods.Unit.MONTH, ZoneId.of("Asia/Kolkata"));
    IncrementPolicy policy = policy(List.of(new WindowSpec(months, months.longestMillis() * 12)), List.of(),
        IncrementPolicy.LimitMode.ENFORCE, 0);
    long now = redisMillis();
    Decided decided = write(name, op(4, "", policy)).decided(0);

    long index = months.indexAt(now);
    assertThat(decided.windows().get(0).startMillis()).isEqualTo(months.start(index));
    assertThat(decided.windows().get(0).endMillis()).isEqualTo(months.end(index));
  }

  @Test
  void aSlidingLimitOver60BucketsAndASeriesOf60BucketsAreOneScriptCallEach() {
    String name = TestNames.unique("round-trips");
    WindowSpec seconds = new WindowSpec(new FixedPeriods(1000), 120_000);
    IncrementPolicy policy = policy(List.of(seconds),
        List.of(new LimitSpec(LimitSpec.Scope.SLIDING, 0, 60, null, 1_000_000L)), IncrementPolicy.LimitMode.ENFORCE,
        0);
    Map<String, Long> before = commandCalls();
    Decided decided = write(name, op(1, "", policy), op(2, "", policy), op(3, "", policy)).decided(2);
    Map<String, Long> afterWrite = commandCalls();
    List<Bucket> series = store.recentBuckets(name, seconds.periods(), null, 60).toCompletableFuture().join();
    Map<String, Long> afterRead = commandCalls();

    assertThat(decided.limits().get(0).sum()).isEqualTo(6);
    assertThat(series).hasSize(60);
    assertThat(series.stream().mapToLong(Bucket::value).sum()).isEqualTo(6);
    // One flush: one script call whose single HMGET reads all 60 buckets of the sliding sum.
    assertThat(delta(before, afterWrite, "evalsha")).isEqualTo(1);
    assertThat(delta(before, afterWrite, "hmget")).isEqualTo(1);
    assertThat(delta(before, afterWrite, "hget")).as("no request ids: no record headers read").isZero();
    // One series read: one script call (the node's clock agrees with Redis's within 2 periods).
    assertThat(delta(afterWrite, afterRead, "evalsha")).isEqualTo(1);
  }

  /** Calls per command since the Redis server started, from INFO commandstats. */
  private static Map<String, Long> commandCalls() {
    Map<String, Long> calls = new HashMap<>();
    for (String line : admin.sync().info("commandstats").split("\r?\n")) {
      Matcher matcher = Pattern.compile("^cmdstat_([a-z|_]+):calls=(\\d+),").matcher(line);
      if (matcher.find()) {
        calls.put(matcher.group(1), Long.parseLong(matcher.group(2)));
      }
    }
    return calls;
  }

  private static long delta(Map<String, Long> before, Map<String, Long> after, String command) {
    return after.getOrDefault(command, 0L) - before.getOrDefault(command, 0L);
  }

  private static WindowSpec calendarDay() {
    CalendarPeriods days = new CalendarPeriods(CalendarPeriods.Unit.DAY, ZoneId.of("America/New_York"));
    return new WindowSpec(days, days.longestMillis() * 10);
  }

  private static IncrementPolicy policy(List<WindowSpec> windows, List<LimitSpec> limits, IncrementPolicy.LimitMode mode,
      long ttl) {
    return new IncrementPolicy(windows, limits, mode, ttl);
  }

  private static WriteResult write(String name, IncrementOp... ops) {
    return store.write(List.of(new IncrementWrite(List.of(new CounterOps(name, List.of(ops))), null))).get(0).join();
  }

  private static long redisMillis() {
    return RedisClock.millis(admin.sync());
  }
}
