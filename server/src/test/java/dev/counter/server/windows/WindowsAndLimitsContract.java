package dev.counter.server.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.common.util.concurrent.ListenableFuture;
import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import dev.counter.server.store.redis.CounterKeys;
import dev.counter.server.testing.Await;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.server.window.CalendarPeriods;
import dev.counter.v1.BatchIncrementRequest;
import dev.counter.v1.BatchIncrementResponse;
import dev.counter.v1.CalendarUnit;
import dev.counter.v1.CalendarWindow;
import dev.counter.v1.Decision;
import dev.counter.v1.DeleteRequest;
import dev.counter.v1.Durability;
import dev.counter.v1.GetRequest;
import dev.counter.v1.GetSeriesRequest;
import dev.counter.v1.GetWindowRequest;
import dev.counter.v1.GetWindowResponse;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.Limit;
import dev.counter.v1.LimitMode;
import dev.counter.v1.LimitScope;
import dev.counter.v1.ListRequest;
import dev.counter.v1.ListResponse;
import dev.counter.v1.Window;
import io.grpc.Status;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Time windows, limits and expiry (SPEC 9) over real Netty ports, three server nodes on one Redis
 * deployment; run against a standalone Redis and a Redis Cluster by the subclasses.
 */
abstract class WindowsAndLimitsContract {
  static final CounterKeys KEYS = new CounterKeys("ctr:");

  /** The three nodes, serving. */
  abstract List<TestServer> nodes();

  /** The Redis clock, in epoch ms. */
  abstract long redisMillis();

  /** How many of {@code keys} exist in Redis. */
  abstract long existing(String... keys);

  static Window fixed(Duration period) {
    return Window.newBuilder().setFixed(Durations.fromMillis(period.toMillis())).build();
  }

  static Window calendar(CalendarUnit unit, String zone) {
    return Window.newBuilder().setCalendar(CalendarWindow.newBuilder().setUnit(unit).setTimeZone(zone)).build();
  }

  static Limit periodMax(int window, long max) {
    return Limit.newBuilder().setScope(LimitScope.LIMIT_SCOPE_PERIOD).setWindow(window).setMax(max).build();
  }

  TestServer node(int i) {
    return nodes().get(i % nodes().size());
  }

  /** Waits until the Redis clock is early in a period of {@code period}: a burst then stays inside it. */
  void awaitEarlyInPeriod(Duration period, Duration early) {
    Await.until("the start of a period", period.plusSeconds(5),
        () -> Math.floorMod(redisMillis(), period.toMillis()) < early.toMillis());
  }

  /** Test 1: N concurrent +1 over three nodes with max = L per 10 s period admit exactly L. */
  @Test
  void aFixedWindowLimitAdmitsExactlyItsMaxAcrossNodesAndTheNextPeriodAdmitsAgain() throws Exception {
    String name = TestNames.unique("rate");
    Duration period = Duration.ofSeconds(10);
    IncrementRequest request = IncrementRequest.newBuilder().setName(name).setDelta(1)
        .addWindows(fixed(period)).addLimits(periodMax(0, 100)).build();
    awaitEarlyInPeriod(period, Duration.ofSeconds(4));
    long sent = redisMillis();
    List<ListenableFuture<IncrementResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      calls.add(node(i).futureStub().increment(request));
    }
    int allowed = 0;
    int denied = 0;
    long periodEnd = (sent / period.toMillis() + 1) * period.toMillis();
    for (ListenableFuture<IncrementResponse> call : calls) {
      IncrementResponse response = call.get(30, TimeUnit.SECONDS);
      assertThat(Timestamps.toMillis(response.getWindows(0).getPeriod().getEnd())).as("one period")
          .isEqualTo(periodEnd);
      if (response.getDecision() == Decision.DECISION_ALLOWED) {
        assertThat(response.getApplied()).isTrue();
        allowed++;
      } else {
        assertThat(response.getDecision()).isEqualTo(Decision.DECISION_DENIED);
        assertThat(response.getApplied()).isFalse();
        assertThat(response.getLimits(0).getExceeded()).isTrue();
        assertThat(response.getLimits(0).getRemaining()).isZero();
        assertThat(response.hasRetryAfter()).isTrue();
        assertThat(Durations.toMillis(response.getRetryAfter())).isPositive().isLessThanOrEqualTo(periodEnd - sent);
        denied++;
      }
    }
    assertThat(allowed).isEqualTo(100);
    assertThat(denied).isEqualTo(500);
    assertThat(node(1).stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isEqualTo(100);

    Await.until("the next period", period.plusSeconds(5), () -> redisMillis() >= periodEnd);
    IncrementResponse next = node(2).stub().increment(request);
    assertThat(next.getDecision()).isEqualTo(Decision.DECISION_ALLOWED);
    assertThat(next.getValue()).isEqualTo(101);
    assertThat(next.getWindows(0).getValue()).isEqualTo(1);
  }

  /** Test 3: a floor on the value admits exactly what is there, concurrently across nodes. */
  @Test
  void aFloorAdmitsExactlyTheStockThereIs() throws Exception {
    String name = TestNames.unique("stock");
    node(0).stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(10).build());
    IncrementRequest take = IncrementRequest.newBuilder().setName(name).setDelta(-1)
        .addLimits(Limit.newBuilder().setScope(LimitScope.LIMIT_SCOPE_VALUE).setMin(0)).build();
    List<ListenableFuture<IncrementResponse>> calls = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      calls.add(node(i).futureStub().increment(take));
    }
    Set<Long> values = new HashSet<>();
    int allowed = 0;
    for (ListenableFuture<IncrementResponse> call : calls) {
      IncrementResponse response = call.get(30, TimeUnit.SECONDS);
      if (response.getApplied()) {
        allowed++;
        values.add(response.getValue());
      } else {
        assertThat(response.getValue()).isZero();
        assertThat(response.hasRetryAfter()).as("a value limit frees up by no clock").isFalse();
      }
    }
    assertThat(allowed).isEqualTo(10);
    assertThat(values).as("one sequential order").containsExactlyInAnyOrder(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
    assertThat(node(2).stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isZero();
  }

  /** Test 4: the period of the reply is the one the period arithmetic gives for the Redis clock. */
  @Test
  void calendarPeriodsInTheReplyMatchThePeriodArithmetic() {
    String name = TestNames.unique("calendar");
    Map<Window, CalendarPeriods> windows = Map.of(
        calendar(CalendarUnit.CALENDAR_UNIT_MONTH, "America/New_York"),
        new CalendarPeriods(CalendarPeriods.Unit.MONTH, ZoneId.of("America/New_York")),
        calendar(CalendarUnit.CALENDAR_UNIT_DAY, "America/New_York"),
        new CalendarPeriods(CalendarPeriods.Unit.DAY, ZoneId.of("America/New_York")),
        calendar(CalendarUnit.CALENDAR_UNIT_MONTH, "Asia/Kolkata"),
        new CalendarPeriods(CalendarPeriods.Unit.MONTH, ZoneId.of("Asia/Kolkata")),
        calendar(CalendarUnit.CALENDAR_UNIT_DAY, "Asia/Kolkata"),
        new CalendarPeriods(CalendarPeriods.Unit.DAY, ZoneId.of("Asia/Kolkata")));
    List<Window> order = new ArrayList<>(windows.keySet());
    long before = redisMillis();
    IncrementResponse response = node(0).stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(3)
        .addAllWindows(order).build());
    long after = redisMillis();
    for (int i = 0; i < order.size(); i++) {
      CalendarPeriods periods = windows.get(order.get(i));
      long start = Timestamps.toMillis(response.getWindows(i).getPeriod().getStart());
      long end = Timestamps.toMillis(response.getWindows(i).getPeriod().getEnd());
      long index = periods.indexAt(start);
      assertThat(start).as("%s", periods).isEqualTo(periods.start(index));
      assertThat(end).as("%s", periods).isEqualTo(periods.end(index));
      assertThat(index).as("%s holds the Redis clock", periods)
          .isBetween(periods.indexAt(before), periods.indexAt(after));
      assertThat(response.getWindows(i).getValue()).isEqualTo(3);
    }
  }

  /** Test 6: a retry replays its first decision, even after the window rolled; a denial applies nothing. */
  @Test
  void aRetryReplaysItsFirstDecisionAfterTheWindowRolledAndADenialAppliesNothingAnywhere() {
    for (int attempt = 0; attempt < 5; attempt++) {
      String name = TestNames.unique("replay");
      IncrementRequest.Builder base = IncrementRequest.newBuilder().setName(name).setDelta(1)
          .addWindows(fixed(Duration.ofSeconds(1))).addWindows(fixed(Duration.ofMinutes(1))).addLimits(periodMax(0, 1));
      IncrementResponse first = node(0).stub().increment(base.setRequestId("first").build());
      IncrementResponse denied = node(1).stub().increment(base.setRequestId("second").build());
      if (denied.getDecision() != Decision.DECISION_DENIED) {
        continue; // the second turned between the two calls: try again with a fresh counter
      }
      assertThat(first.getDecision()).isEqualTo(Decision.DECISION_ALLOWED);
      long end = Timestamps.toMillis(denied.getWindows(0).getPeriod().getEnd());
      Await.until("the window to roll", Duration.ofSeconds(5), () -> redisMillis() > end);

      IncrementResponse retriedFirst = node(2).stub().increment(base.setRequestId("first").build());
      IncrementResponse retriedDenied = node(2).stub().increment(base.setRequestId("second").build());
      assertThat(retriedFirst.getDuplicate()).isTrue();
      assertThat(retriedFirst.toBuilder().setDuplicate(false).build()).as("the first decision").isEqualTo(first);
      assertThat(retriedDenied.getDuplicate()).isTrue();
      assertThat(retriedDenied.toBuilder().setDuplicate(false).build()).as("the denial, replayed").isEqualTo(denied);
      // Nothing of the denial anywhere: the value and the minute window hold only the allowed one.
      assertThat(node(0).stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isEqualTo(1);
      GetWindowResponse minute = node(0).stub().getWindow(GetWindowRequest.newBuilder().setName(name)
          .setWindow(fixed(Duration.ofMinutes(1))).setPeriods(2).build());
      assertThat(minute.getSum()).isEqualTo(1);
      return;
    }
    throw new AssertionError("the Redis clock turned a second between two calls five times in a row");
  }

  /** Test 7: shadow decides, reports and applies; a dry run decides, reports and applies nothing. */
  @Test
  void shadowModeAppliesAndReportsAndADryRunAppliesNothing() {
    String name = TestNames.unique("modes");
    Limit max5 = Limit.newBuilder().setScope(LimitScope.LIMIT_SCOPE_VALUE).setMax(5).build();
    IncrementResponse shadow = node(0).stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(8)
        .addLimits(max5).setLimitMode(LimitMode.LIMIT_MODE_SHADOW).build());
    IncrementResponse dryRun = node(1).stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(0)
        .addLimits(Limit.newBuilder().setScope(LimitScope.LIMIT_SCOPE_VALUE).setMax(20))
        .setLimitMode(LimitMode.LIMIT_MODE_DRY_RUN).build());
    IncrementResponse wouldFail = node(2).stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(100)
        .addLimits(max5).setLimitMode(LimitMode.LIMIT_MODE_DRY_RUN).build());

    assertThat(shadow.getApplied()).isTrue();
    assertThat(shadow.getDecision()).isEqualTo(Decision.DECISION_DENIED);
    assertThat(shadow.getValue()).isEqualTo(8);
    assertThat(dryRun.getApplied()).isFalse();
    assertThat(dryRun.getDecision()).isEqualTo(Decision.DECISION_ALLOWED);
    assertThat(dryRun.getLimits(0).getRemaining()).as("what remains, read without consuming it").isEqualTo(12);
    assertThat(wouldFail.getApplied()).isFalse();
    assertThat(wouldFail.getDecision()).isEqualTo(Decision.DECISION_DENIED);
    assertThat(node(0).stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isEqualTo(8);
  }

  /** Test 8: a ttl removes every key after it; an increment before then extends it. */
  @Test
  void aTtlRemovesTheCounterAfterItAndAnIncrementBeforeExtendsIt() {
    String name = TestNames.unique("ttl");
    IncrementRequest request = IncrementRequest.newBuilder().setName(name).setDelta(1).setRequestId("x")
        .addWindows(fixed(Duration.ofSeconds(10))).setTtl(Durations.fromSeconds(2)).build();
    node(0).stub().increment(request);
    long extendedAt = System.nanoTime();
    IncrementResponse extended = node(1).stub().increment(request.toBuilder().setRequestId("y").build());
    assertThat(extended.getValue()).isEqualTo(2);
    String[] keys = {KEYS.counter(name), KEYS.window(name, "f10000"), KEYS.meta(name), KEYS.records(name, 0),
        KEYS.records(name, 1)};
    assertThat(existing(keys)).as("value, window, meta, records").isGreaterThanOrEqualTo(4);

    Await.until("the ttl to remove the counter", Duration.ofSeconds(10), () -> existing(keys) == 0);
    assertThat(Duration.ofNanos(System.nanoTime() - extendedAt)).as("counted from the last increment")
        .isGreaterThan(Duration.ofMillis(1900));
    assertThat(node(2).stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isZero();
    ListResponse listed = node(0).stub().list(ListRequest.newBuilder().setPrefix(name).build());
    assertThat(listed.getCountersList()).isEmpty();
  }

  /** Test 10: buffered with limits is refused; a batch decides its items one by one in order. */
  @Test
  void bufferedWithLimitsIsInvalidAndABatchDecidesItemByItemInOrder() {
    String name = TestNames.unique("batch");
    Throwable refused = catchThrowable(() -> node(0).stub().increment(IncrementRequest.newBuilder().setName(name)
        .setDelta(1).setDurability(Durability.DURABILITY_BUFFERED)
        .addLimits(Limit.newBuilder().setScope(LimitScope.LIMIT_SCOPE_VALUE).setMax(5)).build()));
    assertThat(Status.fromThrowable(refused).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(Status.fromThrowable(refused).getDescription()).contains("BUFFERED");

    Limit max3 = Limit.newBuilder().setScope(LimitScope.LIMIT_SCOPE_VALUE).setMax(3).build();
    BatchIncrementRequest.Builder batch = BatchIncrementRequest.newBuilder();
    long[] deltas = {2, 2, 1, 1, -3, 2};
    for (long delta : deltas) {
      batch.addItems(IncrementRequest.newBuilder().setName(name).setDelta(delta).addLimits(max3));
    }
    BatchIncrementResponse response = node(1).stub().batchIncrement(batch.build());
    List<Boolean> applied = new ArrayList<>();
    List<Long> values = new ArrayList<>();
    response.getResultsList().forEach(result -> {
      applied.add(result.getResponse().getApplied());
      values.add(result.getResponse().getValue());
    });
    // 2 (ok: 2), 2 (4 > 3: denied), 1 (3), 1 (4: denied), -3 (0), 2 (2)
    assertThat(applied).containsExactly(true, false, true, false, true, true);
    assertThat(values).containsExactly(2L, 2L, 3L, 3L, 0L, 2L);
  }

  /** Delete removes everything a counter owns; List finds counters by prefix, names exactly as written. */
  @Test
  void deleteRemovesEverythingAndListReturnsHostileNamesExactly() {
    String base = TestNames.unique("list") + "/";
    List<String> names = List.of(base + "plain", base + "{braces}", base + "100%", base + "*star?[x]\\",
        base + "emoji \uD83D\uDE00", base + "ctl\u0001", base + "}:r0");
    for (int i = 0; i < names.size(); i++) {
      node(i).stub().increment(IncrementRequest.newBuilder().setName(names.get(i)).setDelta(i + 1)
          .addWindows(fixed(Duration.ofMinutes(1))).build());
    }
    Map<String, Long> listed = listAll(base, 3, true);
    Map<String, Long> expected = new HashMap<>();
    for (int i = 0; i < names.size(); i++) {
      expected.put(names.get(i), (long) i + 1);
    }
    assertThat(listed).isEqualTo(expected);
    assertThat(listAll(base + "*", 10, false)).as("a glob character in the prefix is literal")
        .containsOnlyKeys(base + "*star?[x]\\");

    String gone = names.get(1);
    assertThat(node(2).stub().delete(DeleteRequest.newBuilder().setName(gone).build()).getPreviousValue()).isEqualTo(2);
    assertThat(existing(KEYS.counter(gone), KEYS.meta(gone), KEYS.window(gone, "f60000"))).isZero();
    assertThat(node(0).stub().getSeries(GetSeriesRequest.newBuilder().setName(gone)
        .setWindow(fixed(Duration.ofMinutes(1))).build()).getBucketsList())
        .allSatisfy(bucket -> assertThat(bucket.getValue()).isZero());
    assertThat(listAll(base, 100, false)).doesNotContainKey(gone).hasSize(names.size() - 1);
  }

  /**
   * Test 9: a listing in small pages while counters are being added returns every counter that
   * existed before it started (and only counters), from every master.
   */
  @Test
  void aListingInSmallPagesFindsEveryCounterWhileOthersAreAdded() throws Exception {
    String prefix = TestNames.unique("paging") + "/";
    BatchIncrementRequest.Builder batch = BatchIncrementRequest.newBuilder();
    Set<String> before = new HashSet<>();
    for (int i = 0; i < 150; i++) {
      before.add(prefix + "old-" + i);
      batch.addItems(IncrementRequest.newBuilder().setName(prefix + "old-" + i).setDelta(1));
    }
    node(0).stub().batchIncrement(batch.build());
    assertThat(mastersHolding(before)).as("the counters spread over every master").isEqualTo(masters());

    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread adder = new Thread(() -> {
      for (int i = 0; i < 2000 && !stop.get(); i++) {
        node(i).stub().increment(IncrementRequest.newBuilder().setName(prefix + "new-" + i).setDelta(1).build());
      }
    });
    adder.start();
    Map<String, Long> listed;
    try {
      listed = listAll(prefix, 7, false);
    } finally {
      stop.set(true);
      adder.join(30_000);
    }
    assertThat(listed.keySet()).containsAll(before);
    assertThat(listed.keySet()).allMatch(name -> name.startsWith(prefix + "old-") || name.startsWith(prefix + "new-"));
  }

  /** How many Redis masters hold the values of {@code names} (1 for a standalone Redis). */
  abstract int mastersHolding(Set<String> names);

  /** How many masters there are. */
  abstract int masters();

  /** Every counter under {@code prefix}, following page tokens (values when asked for). */
  Map<String, Long> listAll(String prefix, int pageSize, boolean values) {
    Map<String, Long> all = new HashMap<>();
    String token = "";
    for (int page = 0; page < 10_000; page++) {
      ListResponse response = node(page).stub().list(ListRequest.newBuilder().setPrefix(prefix).setPageSize(pageSize)
          .setPageToken(token).setIncludeValues(values).build());
      assertThat(response.getCountersCount()).as("a page holds at most page_size names").isLessThanOrEqualTo(pageSize);
      response.getCountersList().forEach(counter -> all.put(counter.getName(), counter.getValue()));
      token = response.getNextPageToken();
      if (token.isEmpty()) {
        return all;
      }
    }
    throw new AssertionError("the listing did not end");
  }
}
