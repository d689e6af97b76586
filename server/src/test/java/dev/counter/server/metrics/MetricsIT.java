package dev.counter.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.client.CounterClient;
import dev.counter.server.devredis.RedisProcess;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.BatchIncrementRequest;
import dev.counter.v1.Durability;
import dev.counter.v1.IncrementRequest;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The Prometheus endpoint, scraped during and after a load: the families exist and the counts add up. */
class MetricsIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static final Pattern SAMPLE = Pattern.compile("^([a-z_:]+)(\\{[^}]*\\})? ([-0-9.eE+]+)$");

  @Test
  void familiesExistAndAcceptedEqualsFlushedPlusPending() throws Exception {
    int metricsPort = RedisProcess.freePort();
    try (TestServer server = TestServer.start(redis.uri(), "--metrics-port", Integer.toString(metricsPort),
            "--max-pending", "50000");
        CounterClient client = CounterClient.forTarget(server.target())) {
      String name = TestNames.unique("metrics");
      AtomicLong calls = new AtomicLong();
      CompletableFuture<Void> load = CompletableFuture.runAsync(() -> {
        for (int i = 0; i < 3000; i++) {
          client.incrementAsync(IncrementRequest.newBuilder().setName(name + (i % 7)).setDelta(1)
              .setDurability(i % 3 == 0 ? Durability.DURABILITY_BUFFERED : Durability.DURABILITY_DURABLE).build());
          calls.incrementAndGet();
        }
      });
      Map<String, Double> during = scrape(metricsPort);
      load.join();
      client.batchIncrement(BatchIncrementRequest.newBuilder()
          .addItems(IncrementRequest.newBuilder().setName(name + "x").setDelta(Long.MAX_VALUE))
          .addItems(IncrementRequest.newBuilder().setName(name + "x").setDelta(1))
          .addItems(IncrementRequest.newBuilder().setName("").setDelta(1)).build());

      for (String family : new String[] {"counter_grpc_calls_total", "counter_grpc_call_duration_seconds_count",
          "counter_increments_accepted_total", "counter_increments_flushed_total", "counter_flushes_total",
          "counter_flush_increments_count", "counter_flush_duration_seconds_count", "counter_redis_errors_total",
          "counter_pending_increments", "counter_flushes_in_flight", "counter_node_id", "jvm_memory_used_bytes"}) {
        assertThat(during.keySet()).as("family %s", family).anyMatch(sample -> sample.startsWith(family));
      }
      double pendingDuring = sum(during, "counter_pending_increments");
      assertThat(pendingDuring).isBetween(0.0, 50_000.0);
      assertThat(sum(during, "counter_increments_accepted_total"))
          .isGreaterThanOrEqualTo(sum(during, "counter_increments_flushed_total"));

      // Once the buffers have drained and every answer is counted, every accepted increment was
      // flushed one way or another. (One scrape reads the families one after another, so a scrape
      // taken while the last flush completes may see its pieces at different moments.)
      Map<String, Double> after = awaitQuiet(metricsPort, samples -> sum(samples, "counter_pending_increments") == 0
          && sum(samples, "counter_increments_accepted_total") == 3002
          && sum(samples, "counter_increments_flushed_total") == 3002
          && sum(samples, "counter_grpc_calls_total{code=\"OK\",method=\"Increment\"}") == 3000
          && sum(samples, "counter_flush_increments_sum") == 3002
              - sum(samples, "counter_increments_flushed_total{outcome=\"abandoned\"}"));
      double accepted = sum(after, "counter_increments_accepted_total");
      assertThat(accepted).isEqualTo(3002.0);
      assertThat(sum(after, "counter_increments_flushed_total") + sum(after, "counter_pending_increments"))
          .isEqualTo(accepted);
      assertThat(after.get("counter_increments_flushed_total{outcome=\"out_of_range\"}")).isEqualTo(1.0);
      assertThat(after.get("counter_increments_accepted_total{durability=\"buffered\"}")).isEqualTo(1000.0);
      assertThat(sum(after, "counter_grpc_calls_total{code=\"OK\",method=\"Increment\"}")).isEqualTo(3000.0);
      assertThat(sum(after, "counter_grpc_calls_total{code=\"OK\",method=\"BatchIncrement\"}")).isEqualTo(1.0);
      assertThat(sum(after, "counter_flush_increments_sum")).isEqualTo(sum(after, "counter_increments_flushed_total")
          - sum(after, "counter_increments_flushed_total{outcome=\"abandoned\"}"));
      assertThat(after.get("counter_node_id")).isEqualTo(0.0);
    }
  }

  @Test
  void grpcStandardMetricsBuildInfoAndRedisUp(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
      throws Exception {
    RedisProcess ownRedis = RedisServerExtension.startOnFreePort(dir, java.util.List.of("--save", "", "--appendonly", "no"));
    int metricsPort = RedisProcess.freePort();
    try (TestServer server = TestServer.start(ownRedis.uri(), "--metrics-port", Integer.toString(metricsPort),
            "--max-pending", "40000", "--health-interval", "200ms");
        CounterClient client = CounterClient.forTarget(server.target())) {
      client.increment(TestNames.unique("std"), 1);

      Map<String, Double> samples = awaitQuiet(metricsPort,
          s -> sum(s, "grpc_server_call_duration_seconds_count") >= 1);
      // grpc-java's OpenTelemetry module: the standard gRPC server metrics, by method and status.
      assertThat(samples.keySet()).anyMatch(key -> key.startsWith("grpc_server_call_duration_seconds_count{")
          && key.contains("grpc_method=\"counter.v1.CounterService/Increment\"") && key.contains("grpc_status=\"OK\""));
      assertThat(samples.keySet()).anyMatch(key -> key.startsWith("grpc_server_call_started_total{"));
      assertThat(samples.keySet()).anyMatch(key -> key.startsWith("grpc_server_call_rcvd_total_compressed_message_size"));
      assertThat(samples.keySet()).anyMatch(key -> key.startsWith("counter_build_info{")
          && key.contains("version=\"") && key.contains("java_version=\""));
      assertThat(sum(samples, "counter_build_info")).isEqualTo(1.0);
      assertThat(samples.get("counter_max_pending")).isEqualTo(40000.0);
      assertThat(samples.get("counter_redis_up")).isEqualTo(1.0);

      ownRedis.stop();
      assertThat(awaitQuiet(metricsPort, s -> Double.valueOf(0.0).equals(s.get("counter_redis_up")))
          .get("counter_redis_up")).as("counter_redis_up once Redis is gone").isEqualTo(0.0);
    } finally {
      ownRedis.stop();
    }
  }

  /** Scrapes until {@code settled} holds, for at most 10 s; returns the last scrape either way. */
  private static Map<String, Double> awaitQuiet(int port, java.util.function.Predicate<Map<String, Double>> settled)
      throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (true) {
      Map<String, Double> samples = scrape(port);
      if (settled.test(samples) || System.nanoTime() > deadline) {
        return samples;
      }
      java.util.concurrent.locks.LockSupport.parkNanos(20_000_000L);
    }
  }

  /** The sum of every sample whose name (with labels) starts with {@code prefix}. */
  private static double sum(Map<String, Double> samples, String prefix) {
    double total = 0;
    for (Map.Entry<String, Double> sample : samples.entrySet()) {
      String key = sample.getKey();
      boolean sameFamily = key.equals(prefix) || key.startsWith(prefix + "{") || prefix.endsWith("}") && key.equals(prefix);
      if (sameFamily) {
        total += sample.getValue();
      }
    }
    return total;
  }

  private static Map<String, Double> scrape(int port) throws Exception {
    HttpResponse<String> response = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).isEqualTo(200);
    Map<String, Double> samples = new HashMap<>();
    for (String line : response.body().split("\n")) {
      Matcher matcher = SAMPLE.matcher(line);
      if (matcher.matches()) {
        samples.put(matcher.group(1) + (matcher.group(2) == null ? "" : matcher.group(2)),
            Double.parseDouble(matcher.group(3)));
      }
    }
    return samples;
  }
}
