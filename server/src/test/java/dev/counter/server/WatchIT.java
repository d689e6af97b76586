package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.client.CounterClient;
import dev.counter.server.testing.Await;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.CounterServiceGrpc;
import dev.counter.v1.WatchRequest;
import dev.counter.v1.WatchResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@code Watch} over real Netty ports: two nodes sharing one Redis. */
class WatchIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static TestServer nodeA;
  private static TestServer nodeB;
  private static CounterClient viaA;
  private static CounterClient viaB;
  private static RedisClient admin;
  private static StatefulRedisConnection<String, String> adminConnection;

  @BeforeAll
  static void start() throws Exception {
    nodeA = TestServer.start(redis.uri());
    nodeB = TestServer.start(redis.uri());
    viaA = CounterClient.forTarget(nodeA.target());
    viaB = CounterClient.forTarget(nodeB.target());
    admin = RedisClient.create(redis.uri());
    adminConnection = admin.connect();
  }

  @AfterAll
  static void stop() {
    viaA.close();
    viaB.close();
    adminConnection.close();
    admin.shutdown();
    nodeA.stop();
    nodeB.stop();
  }

  @Test
  void aWatcherOnOneNodeSeesIncrementsMadeOnAnother() throws Exception {
    String name = TestNames.unique("watch");
    viaB.increment(name, 5);
    Duration interval = Duration.ofMillis(100);
    BlockingQueue<Long> values = new LinkedBlockingQueue<>();
    try (CounterClient.WatchHandle watch = viaA.watch(name, interval, values::add, error -> { })) {
      assertThat(values.poll(5, TimeUnit.SECONDS)).as("first the current value").isEqualTo(5);
      List<Duration> latencies = new ArrayList<>();
      for (int round = 1; round <= 5; round++) {
        long expected = viaB.increment(name, round);
        long acknowledgedAt = System.nanoTime();
        Long seen = values.poll(5, TimeUnit.SECONDS);
        latencies.add(Duration.ofNanos(System.nanoTime() - acknowledgedAt));
        assertThat(seen).isEqualTo(expected);
      }
      WatchLatency.assertWithinTwoIntervalsPlusAFlush(latencies, interval);
    }
  }

  /**
   * Messages are spaced by their send times: a read that Redis answers late (frozen for a moment
   * here) does not make the next message follow sooner than min_interval after the previous one.
   */
  @Test
  void messagesStayAtLeastMinIntervalApartWhenReadsAreSlow() throws Exception {
    String name = TestNames.unique("spacing");
    List<long[]> received = new CopyOnWriteArrayList<>();
    Duration interval = Duration.ofMillis(200);
    try (CounterClient.WatchHandle watch = viaA.watch(name, interval,
        value -> received.add(new long[] {System.nanoTime(), value}), error -> { })) {
      Await.until("the first value", Duration.ofSeconds(5), () -> !received.isEmpty());
      long start = System.nanoTime();
      int pauses = 0;
      while (System.nanoTime() - start < Duration.ofMillis(2600).toNanos()) {
        viaB.increment(name, 1);
        long elapsed = System.nanoTime() - start;
        if (pauses < 3 && elapsed > Duration.ofMillis(500 + 700L * pauses).toNanos()) {
          pauses++;
          redis.process().pause();
          try {
            // A read in flight now is answered ~120 ms late.
            LockSupport.parkNanos(Duration.ofMillis(120 + 20L * pauses).toNanos());
          } finally {
            redis.process().resume();
          }
        }
      }
    }
    assertThat(received.size()).as("messages during 2.6 s of changes").isGreaterThan(6);
    for (int i = 1; i < received.size(); i++) {
      Duration gap = Duration.ofNanos(received.get(i)[0] - received.get(i - 1)[0]);
      // Sent >= 200 ms apart; received times may differ from send times by a few ms of scheduling.
      assertThat(gap).as("gap before message %d of %d", i, received.size()).isGreaterThan(Duration.ofMillis(170));
    }
  }

  @Test
  void changesAreCoalescedToOneMessagePerInterval() throws Exception {
    String name = TestNames.unique("coalesce");
    List<Long> values = new CopyOnWriteArrayList<>();
    long last = 0;
    try (CounterClient.WatchHandle watch = viaA.watch(name, Duration.ofMillis(200), values::add, error -> { })) {
      Await.until("the first value", Duration.ofSeconds(5), () -> !values.isEmpty());
      long start = System.nanoTime();
      while (System.nanoTime() - start < Duration.ofSeconds(1).toNanos()) {
        last = viaB.increment(name, 1);
      }
      long finalValue = last;
      Await.until("the final value", Duration.ofSeconds(5), () -> values.get(values.size() - 1) == finalValue);
    }
    assertThat(last).as("many increments").isGreaterThan(50);
    // 1 first value + one per 200 ms over ~1 s (+1 for the final one) ≈ 7; never one per increment.
    assertThat(values.size()).isBetween(3, 9);
    assertThat(values).isSorted();
  }

  @Test
  void manyWatchersOfOneCounterCostOneReadPerIntervalAndNothingAfterTheyLeave() throws Exception {
    String name = TestNames.unique("many");
    viaA.increment(name, 1);
    List<CounterClient.WatchHandle> watches = new ArrayList<>();
    List<Long> received = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 200; i++) {
      watches.add(viaA.watch(name, Duration.ofMillis(50), received::add, error -> { }));
    }
    Await.until("every watcher's first value", Duration.ofSeconds(10), () -> received.size() == 200);

    long before = hvalsCalls();
    LockSupport.parkNanos(Duration.ofSeconds(1).toNanos());
    long reads = hvalsCalls() - before;
    // One read per 50 ms for all 200 watchers: about 20, not 4000.
    assertThat(reads).isBetween(10L, 40L);

    watches.forEach(CounterClient.WatchHandle::close);
    Await.until("the watchers to be gone", Duration.ofSeconds(5),
        () -> nodeA.instance(dev.counter.server.watch.WatchHub.class).watchers() == 0);
    long afterLeaving = hvalsCalls();
    LockSupport.parkNanos(Duration.ofMillis(500).toNanos());
    assertThat(hvalsCalls() - afterLeaving).as("no reads once nobody watches").isLessThanOrEqualTo(1);
  }

  @Test
  void invalidIntervalsAndTooManyWatchersAreRefused() throws Exception {
    StatusRuntimeException invalid = watchError(nodeA, WatchRequest.newBuilder().setName("x")
        .setMinInterval(com.google.protobuf.Duration.newBuilder().setNanos(1_000_000)).build());
    assertThat(invalid.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(invalid.getStatus().getDescription()).contains("min_interval");
    assertThat(watchError(nodeA, WatchRequest.newBuilder().setName("").build()).getStatus().getCode())
        .isEqualTo(Status.Code.INVALID_ARGUMENT);

    try (TestServer small = TestServer.start(redis.uri(), "--max-watchers", "1");
        CounterClient client = CounterClient.forTarget(small.target())) {
      BlockingQueue<Long> first = new LinkedBlockingQueue<>();
      try (CounterClient.WatchHandle kept = client.watch("w", null, first::add, error -> { })) {
        assertThat(first.poll(5, TimeUnit.SECONDS)).isZero();
        assertThat(watchError(small, WatchRequest.newBuilder().setName("w").build()).getStatus().getCode())
            .isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
      }
    }
  }

  @Test
  void shuttingDownEndsWatchStreamsWithUnavailable() throws Exception {
    TestServer draining = TestServer.start(redis.uri(), "--shutdown-grace", "30s");
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    BlockingQueue<Long> values = new LinkedBlockingQueue<>();
    try (CounterClient client = CounterClient.forTarget(draining.target());
        CounterClient.WatchHandle watch = client.watch("drain", null, values::add, ended::complete)) {
      assertThat(values.poll(5, TimeUnit.SECONDS)).isNotNull();
      long start = System.nanoTime();
      draining.stop();
      assertThat(Status.fromThrowable(ended.get(10, TimeUnit.SECONDS)).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
  }

  private static StatusRuntimeException watchError(TestServer server, WatchRequest request) throws Exception {
    CompletableFuture<Throwable> error = new CompletableFuture<>();
    CounterServiceGrpc.newStub(server.channel()).watch(request, new io.grpc.stub.StreamObserver<WatchResponse>() {
      @Override
      public void onNext(WatchResponse value) {}

      @Override
      public void onError(Throwable t) {
        error.complete(t);
      }

      @Override
      public void onCompleted() {
        error.complete(null);
      }
    });
    return (StatusRuntimeException) error.get(10, TimeUnit.SECONDS);
  }

  private static long hvalsCalls() {
    Matcher matcher = Pattern.compile("cmdstat_hvals:calls=(\\d+)").matcher(adminConnection.sync().info("commandstats"));
    return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
  }
}
