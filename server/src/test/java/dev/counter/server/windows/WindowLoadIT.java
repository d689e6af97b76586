package dev.counter.server.windows;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import com.google.protobuf.util.Timestamps;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.Bucket;
import dev.counter.v1.Decision;
import dev.counter.v1.GetSeriesRequest;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.Limit;
import dev.counter.v1.LimitScope;
import dev.counter.v1.Window;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Windows under continuous load from three nodes for 30 s (SPEC 9, issue 10 tests 2 and 5): a
 * sliding limit (10 one-second buckets, max 50) never lets any 10 consecutive buckets hold more
 * than 50, its denials' retry_after agrees with the buckets, and per-second buckets read back
 * exactly what the replies said was acknowledged in each period.
 */
class WindowLoadIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static final Duration LOAD = Duration.ofSeconds(30);
  private static final Window SECONDS = Window.newBuilder().setFixed(Durations.fromSeconds(1)).build();
  private static final List<TestServer> nodes = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    for (int i = 0; i < 3; i++) {
      nodes.add(TestServer.start(redis.uri()));
    }
  }

  @AfterAll
  static void stop() {
    nodes.forEach(TestServer::stop);
  }

  /** A denial: its period's start and its retry_after. */
  private record Denial(long periodStart, long retryAfterMillis) {}

  @Test
  void aSlidingLimitHoldsOverEveryTenBucketsAndBucketsHoldExactlyWhatWasAcknowledged() throws Exception {
    String limited = TestNames.unique("sliding-load");
    String counted = TestNames.unique("series-load");
    IncrementRequest limitedRequest = IncrementRequest.newBuilder().setName(limited).setDelta(1).addWindows(SECONDS)
        .addLimits(Limit.newBuilder().setScope(LimitScope.LIMIT_SCOPE_SLIDING).setWindow(0).setPeriods(10).setMax(50))
        .build();
    IncrementRequest countedRequest = IncrementRequest.newBuilder().setName(counted).setDelta(1).addWindows(SECONDS)
        .build();
    Map<Long, AtomicLong> allowedPerPeriod = new ConcurrentHashMap<>();
    Map<Long, AtomicLong> countedPerPeriod = new ConcurrentHashMap<>();
    List<Denial> denials = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService threads = Executors.newFixedThreadPool(6);
    long end = System.nanoTime() + LOAD.toNanos();
    List<Future<?>> running = new ArrayList<>();
    for (int t = 0; t < 6; t++) {
      TestServer node = nodes.get(t % 3);
      boolean limiting = t % 2 == 0;
      running.add(threads.submit(() -> {
        while (System.nanoTime() < end) {
          IncrementResponse response = node.stub().increment(limiting ? limitedRequest : countedRequest);
          long periodStart = Timestamps.toMillis(response.getWindows(0).getPeriod().getStart());
          if (!limiting) {
            countedPerPeriod.computeIfAbsent(periodStart, p -> new AtomicLong()).incrementAndGet();
          } else if (response.getDecision() == Decision.DECISION_ALLOWED) {
            allowedPerPeriod.computeIfAbsent(periodStart, p -> new AtomicLong()).incrementAndGet();
          } else {
            denials.add(new Denial(periodStart, Durations.toMillis(response.getRetryAfter())));
            // Denied callers back off a little, as a rate-limited client would.
            java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(2).toNanos());
          }
        }
        return null;
      }));
    }
    for (Future<?> thread : running) {
      thread.get(LOAD.toSeconds() + 60, TimeUnit.SECONDS);
    }
    threads.shutdown();

    long first = java.util.Collections.min(countedPerPeriod.keySet());
    long last = java.util.Collections.max(countedPerPeriod.keySet());
    List<Bucket> countedSeries = series(counted, first, last);
    long acknowledged = 0;
    for (Bucket bucket : countedSeries) {
      long start = Timestamps.toMillis(bucket.getPeriod().getStart());
      long expected = countedPerPeriod.getOrDefault(start, new AtomicLong()).get();
      assertThat(bucket.getValue()).as("bucket at %d", start).isEqualTo(expected);
      acknowledged += expected;
    }
    assertThat(countedSeries).hasSize((int) ((last - first) / 1000 + 1));

    List<Bucket> limitedSeries = series(limited, first - 10_000, last);
    Map<Long, Long> buckets = new java.util.HashMap<>();
    for (Bucket bucket : limitedSeries) {
      long start = Timestamps.toMillis(bucket.getPeriod().getStart());
      buckets.put(start, bucket.getValue());
      assertThat(bucket.getValue()).as("bucket at %d", start)
          .isEqualTo(allowedPerPeriod.getOrDefault(start, new AtomicLong()).get());
    }
    long worstSpan = 0;
    for (long start = first; start <= last; start += 1000) {
      long span = 0;
      for (int k = 0; k < 10; k++) {
        span += buckets.getOrDefault(start - k * 1000L, 0L);
      }
      worstSpan = Math.max(worstSpan, span);
    }
    assertThat(worstSpan).as("the most any 10 consecutive buckets hold").isEqualTo(50);
    assertThat(denials).as("the load met the limit").hasSizeGreaterThan(100);
    for (Denial denial : denials) {
      // At the denial the last 10 buckets held 50; +1 fits once the oldest non-empty one leaves,
      // when period (index j after the current) starts: retry_after is in (j s, j + 1 s].
      int j = 0;
      while (j < 9 && buckets.getOrDefault(denial.periodStart() - (9 - j) * 1000L, 0L) == 0) {
        j++;
      }
      assertThat(denial.retryAfterMillis()).as("denial in period %d", denial.periodStart())
          .isGreaterThan(j * 1000L).isLessThanOrEqualTo((j + 1) * 1000L);
    }
    System.out.printf("window load: %d s, %d windowed increments acknowledged in %d per-second buckets, all read back "
            + "exactly; sliding limit: %d allowed, %d denied, every 10-bucket span <= 50%n",
        LOAD.toSeconds(), acknowledged, countedSeries.size(),
        allowedPerPeriod.values().stream().mapToLong(AtomicLong::get).sum(), denials.size());
  }

  private static List<Bucket> series(String name, long firstStart, long lastStart) {
    return nodes.get(0).stub().getSeries(GetSeriesRequest.newBuilder().setName(name).setWindow(SECONDS)
        .setStart(Timestamps.fromMillis(firstStart)).setEnd(Timestamps.fromMillis(lastStart)).build()).getBucketsList();
  }
}
