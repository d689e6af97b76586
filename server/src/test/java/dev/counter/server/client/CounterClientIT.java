package dev.counter.server.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.counter.client.CounterClient;
import dev.counter.client.Limits;
import dev.counter.client.Windows;
import dev.counter.server.grpc.CounterGrpcService;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.BatchIncrementRequest;
import dev.counter.v1.BatchIncrementResponse;
import dev.counter.v1.Bucket;
import dev.counter.v1.CounterValue;
import dev.counter.v1.Decision;
import dev.counter.v1.DeleteRequest;
import dev.counter.v1.GetSeriesRequest;
import dev.counter.v1.GetWindowRequest;
import dev.counter.v1.GetWindowResponse;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.LimitStatus;
import dev.counter.v1.ListResponse;
import dev.counter.v1.ResetRequest;
import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.NettyServerBuilder;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Java client against a real node, over real Netty ports. */
class CounterClientIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static TestServer node;
  /** The node's real service behind an interceptor that loses the first reply of every call. */
  private static Server lossyFront;
  private static final LoseFirstReply lossy = new LoseFirstReply();

  @BeforeAll
  static void start() throws Exception {
    node = TestServer.start(redis.uri());
    lossyFront = NettyServerBuilder.forAddress(new java.net.InetSocketAddress("127.0.0.1", 0))
        .directExecutor()
        .addService(ServerInterceptors.intercept(node.instance(CounterGrpcService.class), lossy))
        .build()
        .start();
  }

  @AfterAll
  static void stop() throws InterruptedException {
    lossyFront.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    node.stop();
  }

  @Test
  void blockingAndAsyncCallsCoverEveryRpc() throws Exception {
    try (CounterClient client = CounterClient.forTarget(node.target())) {
      String a = TestNames.unique("a");
      String b = TestNames.unique("b");
      assertThat(client.increment(a, 5)).isEqualTo(5);
      assertThat(client.incrementAsync(a, 2).get(5, TimeUnit.SECONDS)).isEqualTo(7);
      client.incrementBuffered(b, 1);
      BatchIncrementResponse batch = client.batchIncrementAsync(BatchIncrementRequest.newBuilder()
          .addItems(IncrementRequest.newBuilder().setName(b).setDelta(10)).build()).get(5, TimeUnit.SECONDS);
      assertThat(batch.getResults(0).getResponse().getValue()).isBetween(10L, 11L);
      assertThat(client.get(a)).isEqualTo(7);
      assertThat(client.getAsync(a).get(5, TimeUnit.SECONDS)).isEqualTo(7);
      dev.counter.server.testing.Await.until("buffered increment", Duration.ofSeconds(10), () -> client.get(b) == 11);
      assertThat(client.batchGet(List.of(b, a))).containsExactly(11L, 7L);
      assertThat(client.batchGetAsync(List.of(a)).get(5, TimeUnit.SECONDS)).containsExactly(7L);
      assertThat(client.reset(a)).isEqualTo(7);
      assertThat(client.resetAsync(b).get(5, TimeUnit.SECONDS)).isEqualTo(11);
    }
  }

  @Test
  void aLostReplyIsRetriedAndAppliedExactlyOnce() {
    try (CounterClient client = CounterClient.forTarget("127.0.0.1:" + lossyFront.getPort());
        CounterClient direct = CounterClient.forTarget(node.target())) {
      String name = TestNames.unique("flaky");

      long first = client.increment(name, 5);
      long second = client.increment(name, 5);
      BatchIncrementResponse batch = client.batchIncrement(BatchIncrementRequest.newBuilder()
          .addItems(IncrementRequest.newBuilder().setName(name).setDelta(1))
          .addItems(IncrementRequest.newBuilder().setName(name).setDelta(1)).build());

      // Each first attempt was applied and its reply lost; the retry was recognised as a duplicate.
      assertThat(first).isEqualTo(5);
      assertThat(second).isEqualTo(10);
      assertThat(batch.getResultsList()).allSatisfy(result -> assertThat(result.getResponse().getDuplicate()).isTrue());
      assertThat(direct.get(name)).isEqualTo(12);
    }
  }

  /** The README's Java examples ("Rate limiting and quotas", "Time series"), as written, and what they return. */
  @Test
  void theReadmesRateLimitQuotaAndSeriesExamplesWork() {
    String user = TestNames.unique("api:user-7");
    String quota = TestNames.unique("quota:acme");
    String views = TestNames.unique("views:/home");
    try (CounterClient counters = CounterClient.forTarget(node.target())) {
      // at most 3 in any 60 s, at one-second resolution (the README: 1,000)
      for (int i = 0; i < 3; i++) {
        assertThat(counters.tryAcquire(user, 1, Windows.fixed(Duration.ofSeconds(1)), 60, 3).getApplied()).isTrue();
      }
      IncrementResponse r = counters.tryAcquire(user, 1, Windows.fixed(Duration.ofSeconds(1)), 60, 3);
      assertThat(r.getApplied()).isFalse();
      assertThat(r.getDecision()).isEqualTo(Decision.DECISION_DENIED);
      Duration wait = Duration.ofSeconds(r.getRetryAfter().getSeconds(), r.getRetryAfter().getNanos());
      assertThat(wait).as("the oldest admitted second leaves within 60 s").isPositive()
          .isLessThanOrEqualTo(Duration.ofSeconds(60));
      assertThat(counters.get(user)).as("a denial applies nothing").isEqualTo(3);

      // any combination: a monthly quota in a time zone plus a floor on the value
      IncrementResponse quotaUsed = counters.increment(IncrementRequest.newBuilder().setName(quota).setDelta(5)
          .addWindows(Windows.months(ZoneId.of("America/New_York")))
          .addLimits(Limits.perPeriod(0, 10_000)).addLimits(Limits.valueAtLeast(0)).build());
      assertThat(quotaUsed.getApplied()).isTrue();
      assertThat(quotaUsed.getLimitsList()).extracting(LimitStatus::getSum).containsExactly(5L, 5L);
      assertThat(quotaUsed.getLimits(0).getRemaining()).isEqualTo(9_995);
      IncrementResponse belowZero = counters.increment(IncrementRequest.newBuilder().setName(quota).setDelta(-6)
          .addWindows(Windows.months(ZoneId.of("America/New_York")))
          .addLimits(Limits.perPeriod(0, 10_000)).addLimits(Limits.valueAtLeast(0)).build());
      assertThat(belowZero.getApplied()).isFalse();

      // time series
      counters.increment(IncrementRequest.newBuilder().setName(views).setDelta(1)
          .addWindows(Windows.retained(Windows.fixed(Duration.ofMinutes(1)), Duration.ofDays(1))).build());
      GetWindowResponse lastFiveMinutes = counters.getWindow(views, Windows.fixed(Duration.ofMinutes(1)), 5);
      List<Bucket> lastHour = counters.series(views, Windows.fixed(Duration.ofMinutes(1)),
          Instant.now().minus(Duration.ofHours(1)), null);
      assertThat(lastFiveMinutes.getSum()).isEqualTo(1);
      assertThat(lastFiveMinutes.getBucketsList()).hasSize(5);
      assertThat(lastHour).hasSizeBetween(60, 62);
      assertThat(lastHour.stream().mapToLong(Bucket::getValue).sum()).isEqualTo(1);
      assertThat(lastHour.get(lastHour.size() - 1).getValue()).as("the current minute, last").isEqualTo(1);
    }
  }

  @Test
  void listPagesThroughEveryCounterAndDeleteRemovesOneWithItsWindows() throws Exception {
    String prefix = TestNames.unique("listed") + ":";
    try (CounterClient counters = CounterClient.forTarget(node.target())) {
      for (int i = 0; i < 5; i++) {
        counters.increment(IncrementRequest.newBuilder().setName(prefix + i).setDelta(i + 1)
            .addWindows(Windows.fixed(Duration.ofMinutes(1))).build());
      }
      List<String> names = new java.util.ArrayList<>();
      for (CounterValue counter : counters.listAll(prefix, true)) {
        names.add(counter.getName());
        assertThat(counter.getValue()).isEqualTo(Long.parseLong(counter.getName().substring(prefix.length())) + 1);
      }
      assertThat(names).containsExactlyInAnyOrder(prefix + 0, prefix + 1, prefix + 2, prefix + 3, prefix + 4);
      // Pages of 2 (one SCAN returns all 5 keys here): never more than 2, and together every counter once.
      List<String> paged = new java.util.ArrayList<>();
      String token = "";
      for (int page = 0; page < 10; page++) {
        ListResponse response = counters.list(prefix, 2, token, false);
        assertThat(response.getCountersCount()).isLessThanOrEqualTo(2);
        response.getCountersList().forEach(counter -> paged.add(counter.getName()));
        token = response.getNextPageToken();
        if (token.isEmpty()) {
          break;
        }
      }
      assertThat(token).as("the listing ended").isEmpty();
      assertThat(paged).containsExactlyInAnyOrderElementsOf(names);

      assertThat(counters.delete(prefix + 4)).isEqualTo(5);
      assertThat(counters.deleteAsync(prefix + 3).get(5, TimeUnit.SECONDS)).isEqualTo(4);
      assertThat(counters.get(prefix + 4)).isZero();
      assertThat(counters.getWindowAsync(prefix + 4, Windows.fixed(Duration.ofMinutes(1)), 1)
          .get(5, TimeUnit.SECONDS).getSum()).as("its window went with it").isZero();
      assertThat(counters.seriesAsync(prefix + 2, Windows.fixed(Duration.ofMinutes(1)), null, null)
          .get(5, TimeUnit.SECONDS).stream().mapToLong(Bucket::getValue).sum()).isEqualTo(3);
      assertThat(counters.listAll(prefix, false)).extracting(CounterValue::getName)
          .containsExactlyInAnyOrder(prefix + 0, prefix + 1, prefix + 2);
    }
  }

  @Test
  void windowReadsAreRetriedAndDeleteIsNot() {
    try (CounterClient client = CounterClient.forTarget("127.0.0.1:" + lossyFront.getPort());
        CounterClient direct = CounterClient.forTarget(node.target())) {
      String name = TestNames.unique("window-retry");
      direct.increment(IncrementRequest.newBuilder().setName(name).setDelta(2)
          .addWindows(Windows.fixed(Duration.ofMinutes(1))).build());

      assertThat(client.getWindow(name, Windows.fixed(Duration.ofMinutes(1)), 1).getSum()).isEqualTo(2);
      assertThat(client.series(name, Windows.fixed(Duration.ofMinutes(1)), null, null)).isNotEmpty();
      Throwable error = catchThrowable(() -> client.delete(name));
      assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(direct.get(name)).as("the delete ran once").isZero();
    }
  }

  @Test
  void aCallersOwnRequestIdShowsTheDuplicateFlag() {
    try (CounterClient client = CounterClient.forTarget(node.target())) {
      String name = TestNames.unique("own-id");

      IncrementResponse first = client.increment(name, 5, "order-17");
      IncrementResponse again = client.increment(name, 5, "order-17");
      IncrementResponse other = client.increment(name, 1, "order-18");

      assertThat(first.getDuplicate()).isFalse();
      assertThat(again.getDuplicate()).isTrue();
      assertThat(again.getValue()).isEqualTo(5);
      assertThat(other.getValue()).isEqualTo(6);
    }
  }

  @Test
  void withoutRetriesALostReplyShowsAsUnavailableAlthoughItWasApplied() {
    try (CounterClient client = CounterClient.newBuilder().target("127.0.0.1:" + lossyFront.getPort())
            .maxAttempts(1).build();
        CounterClient direct = CounterClient.forTarget(node.target())) {
      String name = TestNames.unique("no-retry");
      Throwable error = catchThrowable(() -> client.increment(name, 5));
      assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(direct.get(name)).isEqualTo(5);
    }
  }

  @Test
  void resetIsNeverRetried() {
    try (CounterClient client = CounterClient.forTarget("127.0.0.1:" + lossyFront.getPort());
        CounterClient direct = CounterClient.forTarget(node.target())) {
      String name = TestNames.unique("reset");
      direct.increment(name, 3);
      Throwable error = catchThrowable(() -> client.reset(name));
      assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      direct.increment(name, 4);
      assertThat(direct.get(name)).as("the reset ran once, before the +4").isEqualTo(4);
    }
  }

  @Test
  void everyIncrementCarriesARequestId() {
    try (CounterClient client = CounterClient.forTarget(node.target())) {
      String name = TestNames.unique("ids");
      client.increment(IncrementRequest.newBuilder().setName(name).setDelta(1).setRequestId("mine").build());
      IncrementResponse again = client.increment(
          IncrementRequest.newBuilder().setName(name).setDelta(1).setRequestId("mine").build());
      assertThat(again.getDuplicate()).as("an explicit request id is kept").isTrue();
      client.increment(name, 1);
      client.increment(name, 1);
      assertThat(client.get(name)).as("generated ids differ per call").isEqualTo(3);
    }
  }

  @Test
  void callsHaveADeadline() {
    try (CounterClient client = CounterClient.newBuilder().target(node.target()).deadline(Duration.ofNanos(1))
        .build()) {
      Throwable error = catchThrowable(() -> client.get("x"));
      assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    }
  }

  @Test
  void dnsTargetsBalanceRoundRobin() {
    try (CounterClient client = CounterClient.forTarget("dns:///127.0.0.1:" + node.port())) {
      String name = TestNames.unique("dns");
      assertThat(client.increment(name, 2)).isEqualTo(2);
    }
  }

  /** Applies each call but replaces its first reply (per request id, or per reset name) with UNAVAILABLE. */
  private static final class LoseFirstReply implements ServerInterceptor {
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(
        ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
      String[] key = new String[1];
      // Headers are held back with the reply: gRPC retries a call only while no response headers
      // have arrived, exactly as when a node dies between applying an increment and answering.
      ServerCall<Q, R> lossyCall = new SimpleForwardingServerCall<>(call) {
        private volatile boolean lost;
        private Metadata heldHeaders;

        @Override
        public void sendHeaders(Metadata headers) {
          heldHeaders = headers;
        }

        @Override
        public void sendMessage(R message) {
          if (key[0] != null && seen.add(key[0])) {
            lost = true;
            super.close(Status.UNAVAILABLE.withDescription("reply lost on purpose"), new Metadata());
            return;
          }
          releaseHeaders();
          super.sendMessage(message);
        }

        @Override
        public void close(Status status, Metadata trailers) {
          if (!lost) {
            if (status.isOk()) {
              releaseHeaders();
            }
            super.close(status, trailers);
          }
        }

        private void releaseHeaders() {
          if (heldHeaders != null) {
            super.sendHeaders(heldHeaders);
            heldHeaders = null;
          }
        }
      };
      return new SimpleForwardingServerCallListener<>(next.startCall(lossyCall, headers)) {
        @Override
        public void onMessage(Q message) {
          if (message instanceof IncrementRequest increment) {
            key[0] = "inc:" + increment.getName() + ":" + increment.getRequestId();
          } else if (message instanceof BatchIncrementRequest batch) {
            key[0] = "batch:" + batch.getItems(0).getRequestId();
          } else if (message instanceof ResetRequest reset) {
            key[0] = "reset:" + reset.getName() + ":" + System.nanoTime();
          } else if (message instanceof DeleteRequest delete) {
            key[0] = "delete:" + delete.getName() + ":" + System.nanoTime();
          } else if (message instanceof GetWindowRequest window) {
            key[0] = "window:" + window.getName();
          } else if (message instanceof GetSeriesRequest series) {
            key[0] = "series:" + series.getName();
          }
          super.onMessage(message);
        }
      };
    }
  }
}
