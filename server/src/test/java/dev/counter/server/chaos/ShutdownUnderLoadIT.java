package dev.counter.server.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.client.CounterClient;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.ServerProcess;
import dev.counter.server.testing.TestNames;
import dev.counter.v1.CounterServiceGrpc;
import dev.counter.v1.Durability;
import dev.counter.v1.IncrementRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * SIGTERM under load, with Redis healthy: every call that reaches a draining node ends with its
 * result or UNAVAILABLE (retryable), never a bare stream reset (CANCELLED, or INTERNAL "without
 * gRPC status"); and a rolling restart of three nodes under load with request ids ends exact,
 * with no status a client would not retry.
 */
class ShutdownUnderLoadIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static final int COUNTERS = 8;
  private static Path logs;

  @BeforeAll
  static void logDir() throws Exception {
    logs = Files.createTempDirectory("shutdown-under-load-");
  }

  @Test
  void everyCallToADrainingNodeEndsWithItsResultOrUnavailable() throws Exception {
    ServerProcess node = ServerProcess.start(logs, "--redis", redis.uri(), "--shutdown-grace", "10s");
    String prefix = TestNames.unique("sigterm") + "-";
    List<ManagedChannel> connections = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(9);
    Map<String, AtomicLong> statuses = new ConcurrentHashMap<>();
    AtomicLongArray durableAcknowledged = new AtomicLongArray(COUNTERS);
    AtomicLongArray durableUnknown = new AtomicLongArray(COUNTERS);
    AtomicLongArray bufferedAcknowledged = new AtomicLongArray(COUNTERS);
    AtomicLong callsAfterSigterm = new AtomicLong();
    AtomicLong sigtermAt = new AtomicLong(Long.MAX_VALUE);
    AtomicBoolean stop = new AtomicBoolean();
    try {
      List<Future<?>> running = new ArrayList<>();
      for (int c = 0; c < 3; c++) {
        // Three HTTP/2 connections, each carrying three threads' calls.
        ManagedChannel channel = ManagedChannelBuilder.forTarget(node.target()).usePlaintext().build();
        connections.add(channel);
        for (int t = 0; t < 3; t++) {
          int writer = c * 3 + t;
          running.add(threads.submit(() -> {
            CounterServiceGrpc.CounterServiceBlockingStub stub = CounterServiceGrpc.newBlockingStub(channel);
            for (long n = 0; !stop.get(); n++) {
              int counter = (int) (n % COUNTERS);
              boolean buffered = n % 2 == 0;
              IncrementRequest request = IncrementRequest.newBuilder()
                  .setName(prefix + (buffered ? "b" : "d") + counter).setDelta(1)
                  .setDurability(buffered ? Durability.DURABILITY_BUFFERED : Durability.DURABILITY_DURABLE)
                  .setRequestId(writer + "-" + n).build();
              long startedAt = System.nanoTime();
              try {
                stub.withDeadlineAfter(5, TimeUnit.SECONDS).increment(request);
                (buffered ? bufferedAcknowledged : durableAcknowledged).incrementAndGet(counter);
                statuses.computeIfAbsent("OK", k -> new AtomicLong()).incrementAndGet();
              } catch (StatusRuntimeException e) {
                if (!buffered) {
                  durableUnknown.incrementAndGet(counter);
                }
                statuses.computeIfAbsent(classify(e), k -> new AtomicLong()).incrementAndGet();
                LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
              }
              if (startedAt > sigtermAt.get()) {
                callsAfterSigterm.incrementAndGet();
              }
            }
            return null;
          }));
        }
      }
      LockSupport.parkNanos(Duration.ofMillis(1500).toNanos()); // load running on every connection
      sigtermAt.set(System.nanoTime());
      Duration drained = node.terminate(Duration.ofSeconds(20));
      LockSupport.parkNanos(Duration.ofMillis(300).toNanos()); // calls meeting a node that is gone
      stop.set(true);
      for (Future<?> thread : running) {
        thread.get(30, TimeUnit.SECONDS);
      }

      Map<String, Long> seen = new TreeMap<>();
      statuses.forEach((status, count) -> seen.put(status, count.get()));
      System.out.printf("sigterm under load: drained in %d ms; %d calls started after SIGTERM; statuses %s%n",
          drained.toMillis(), callsAfterSigterm.get(), seen);
      assertThat(node.exitValue()).as("exit code after the drain").isZero();
      assertThat(callsAfterSigterm.get()).as("calls met the draining node").isPositive();
      assertThat(seen.keySet()).as("only results, the node's UNAVAILABLE, or no node to connect to")
          .allMatch(status -> status.equals("OK") || status.startsWith("UNAVAILABLE "));

      try (ServerProcess reader = ServerProcess.start(logs, "--redis", redis.uri());
          CounterClient client = CounterClient.forTarget(reader.target())) {
        for (int c = 0; c < COUNTERS; c++) {
          assertThat(client.get(prefix + "b" + c)).as("buffered %d: a graceful shutdown writes them all", c)
              .isEqualTo(bufferedAcknowledged.get(c));
          assertThat(client.get(prefix + "d" + c)).as("durable %d", c)
              .isBetween(durableAcknowledged.get(c), durableAcknowledged.get(c) + durableUnknown.get(c));
        }
      }
    } finally {
      stop.set(true);
      threads.shutdownNow();
      connections.forEach(ManagedChannel::shutdownNow);
      node.close();
    }
  }

  @Test
  void aRollingRestartOfThreeNodesUnderLoadEndsExactWithOnlyRetryableFailures() throws Exception {
    List<ServerProcess> nodes = new ArrayList<>();
    ExecutorService threads = Executors.newFixedThreadPool(6);
    try {
      for (int i = 0; i < 3; i++) {
        nodes.add(ServerProcess.start(logs, "--redis", redis.uri(), "--shutdown-grace", "10s"));
      }
      String targets = nodes.get(0).target() + "," + nodes.get(1).target() + "," + nodes.get(2).target();
      String prefix = TestNames.unique("rolling") + "-";
      AtomicLongArray acknowledged = new AtomicLongArray(COUNTERS);
      Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
      AtomicLong nonRetryable = new AtomicLong();
      AtomicBoolean stop = new AtomicBoolean();
      List<Future<?>> running = new ArrayList<>();
      for (int w = 0; w < 6; w++) {
        int writer = w;
        running.add(threads.submit(() -> {
          // Retried here rather than inside gRPC, so that every failed attempt is seen and classified.
          try (CounterClient client = CounterClient.newBuilder().target(targets).deadline(Duration.ofSeconds(5))
              .maxAttempts(1).build()) {
            for (long n = 0; !stop.get(); n++) {
              int counter = (int) ((n * 6 + writer) % COUNTERS);
              IncrementRequest request = IncrementRequest.newBuilder().setName(prefix + counter).setDelta(1)
                  .setRequestId(writer + "-" + n).build();
              long giveUp = System.nanoTime() + Duration.ofSeconds(60).toNanos();
              while (true) {
                try {
                  client.increment(request);
                  acknowledged.incrementAndGet(counter);
                  break;
                } catch (StatusRuntimeException e) {
                  String outcome = classify(e);
                  failures.computeIfAbsent(outcome, k -> new AtomicLong()).incrementAndGet();
                  if (!outcome.startsWith("UNAVAILABLE") && !outcome.startsWith("DEADLINE_EXCEEDED")) {
                    nonRetryable.incrementAndGet();
                  }
                  assertThat(System.nanoTime()).as("still failing: %s", failures).isLessThan(giveUp);
                  LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
                }
              }
            }
          }
          return null;
        }));
      }
      List<Long> drains = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        LockSupport.parkNanos(Duration.ofMillis(700).toNanos()); // load on every node
        drains.add(nodes.get(i).terminate(Duration.ofSeconds(20)).toMillis());
        assertThat(nodes.get(i).exitValue()).isZero();
        nodes.set(i, nodes.get(i).restart());
      }
      LockSupport.parkNanos(Duration.ofMillis(700).toNanos());
      stop.set(true);
      for (Future<?> thread : running) {
        thread.get(90, TimeUnit.SECONDS);
      }

      long expected = 0;
      long stored = 0;
      try (CounterClient client = CounterClient.forTarget(targets)) {
        for (int c = 0; c < COUNTERS; c++) {
          long value = client.get(prefix + c);
          expected += acknowledged.get(c);
          stored += value;
          assertThat(value).as("counter %d", c).isEqualTo(acknowledged.get(c));
        }
      }
      System.out.printf("rolling restart of 3 nodes under load: drains %s ms; %d increments acknowledged, %d stored; "
          + "%d non-retryable statuses; retried failures: %s%n", drains, expected, stored, nonRetryable.get(), failures);
      assertThat(nonRetryable.get()).as("non-retryable statuses: %s", failures).isZero();
    } finally {
      threads.shutdownNow();
      nodes.forEach(ServerProcess::close);
    }
  }

  /**
   * What a failed call tells a client. UNAVAILABLE that the node sent (its ErrorInfo says why) or
   * that never reached a node (connection refused) is retryable everywhere. A stream the node
   * accepted and then cut without a status shows in grpc-java as UNAVAILABLE too, but other
   * clients (grpc-js, Python) see CANCELLED or INTERNAL "without gRPC status": it counts as CUT.
   */
  static String classify(StatusRuntimeException e) {
    Status status = e.getStatus();
    com.google.rpc.Status details = io.grpc.protobuf.StatusProto.fromThrowable(e);
    if (details != null) {
      for (com.google.protobuf.Any detail : details.getDetailsList()) {
        if (detail.is(com.google.rpc.ErrorInfo.class)) {
          try {
            return status.getCode() + " " + detail.unpack(com.google.rpc.ErrorInfo.class).getReason();
          } catch (com.google.protobuf.InvalidProtocolBufferException unreadable) {
            break;
          }
        }
      }
    }
    for (Throwable cause = e; cause != null; cause = cause.getCause()) {
      if (cause instanceof java.net.ConnectException) {
        return status.getCode() + " refused (no node listening)";
      }
    }
    if (status.getCode() == Status.Code.DEADLINE_EXCEEDED) {
      return "DEADLINE_EXCEEDED";
    }
    return "CUT " + status.getCode() + ": " + status.getDescription();
  }
}
