package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.client.CounterClient;
import dev.counter.server.devredis.RedisProcess;
import dev.counter.server.store.redis.CounterKeys;
import dev.counter.server.testing.AcknowledgedTotals;
import dev.counter.server.testing.RedisClusterExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.IncrementRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis Cluster master killed with SIGKILL under durable load, with {@code --replica-acks 1}:
 * its replica takes over, calls recover by themselves, and every acknowledged increment is there.
 * The killed node is restarted a few seconds later, as an orchestrator would: until it rejoins
 * (as the new master's replica) that master has no replica, so its writes cannot be confirmed and
 * correctly fail with UNAVAILABLE.
 */
class ClusterFailoverIT {
  @RegisterExtension static final RedisClusterExtension redis = RedisClusterExtension.threeMastersWithReplicas();

  private static final int WRITERS = 6;
  private static final int COUNTERS = 60;
  private static final Duration LOAD = Duration.ofSeconds(12);
  private static final Duration KILL_AFTER = Duration.ofSeconds(2);
  private static final Duration RESTART_AFTER = Duration.ofSeconds(3);
  /** How long one increment may keep failing before the test gives up on it. */
  private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(45);

  @Test
  void everyAcknowledgedIncrementSurvivesAMasterKilledUnderLoad() throws Exception {
    List<TestServer> nodes = new ArrayList<>();
    ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
    try {
      for (int i = 0; i < 3; i++) {
        nodes.add(TestServer.start(null, "--redis-cluster", redis.seeds(), "--replica-acks", "1",
            "--replica-ack-timeout", "500ms", "--redis-timeout", "2s", "--cluster-refresh-period", "1s"));
      }
      String targets = nodes.get(0).target() + "," + nodes.get(1).target() + "," + nodes.get(2).target();
      String prefix = TestNames.unique("failover") + "-";
      AtomicLongArray acknowledged = new AtomicLongArray(COUNTERS);
      AtomicLong calls = new AtomicLong();
      AtomicLong failedAttempts = new AtomicLong();
      AtomicLong firstFailure = new AtomicLong();
      AtomicLong lastFailure = new AtomicLong();
      java.util.Map<String, Long> failures = new java.util.concurrent.ConcurrentHashMap<>();
      long start = System.nanoTime();
      long end = start + LOAD.toNanos();

      List<Future<?>> running = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        running.add(writers.submit(() -> {
          try (CounterClient client = CounterClient.newBuilder().target(targets).deadline(Duration.ofSeconds(5))
              .build()) {
            for (long n = 0; System.nanoTime() < end; n++) {
              int counter = (int) ((n * WRITERS + writer) % COUNTERS);
              // One request id per increment: resending it after any failure is exactly once.
              IncrementRequest request = IncrementRequest.newBuilder().setName(prefix + counter).setDelta(1)
                  .setRequestId(writer + "-" + n).build();
              long giveUp = System.nanoTime() + GIVE_UP_AFTER.toNanos();
              while (true) {
                try {
                  client.increment(request);
                  acknowledged.incrementAndGet(counter);
                  calls.incrementAndGet();
                  break;
                } catch (StatusRuntimeException e) {
                  assertThat(e.getStatus().getCode()).as(e.toString())
                      .isIn(Status.Code.UNAVAILABLE, Status.Code.DEADLINE_EXCEEDED);
                  long now = System.nanoTime();
                  failures.merge(e.getStatus().getCode() + ": " + String.valueOf(e.getStatus().getDescription())
                      .replaceAll("[0-9]+", "N"), 1L, Long::sum);
                  failedAttempts.incrementAndGet();
                  firstFailure.compareAndSet(0, now);
                  lastFailure.set(now);
                  assertThat(now).as("increment still failing after %s: %s", GIVE_UP_AFTER, failures)
                      .isLessThan(giveUp);
                  LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
                }
              }
            }
          }
          return null;
        }));
      }

      LockSupport.parkNanos(KILL_AFTER.toNanos());
      CounterKeys keys = new CounterKeys("ctr:");
      RedisProcess victim = redis.cluster().masterOf(SlotHash.getSlot(keys.counter(prefix + 0))).orElseThrow();
      long callsBeforeKill = calls.get();
      long killedAt = System.nanoTime();
      victim.kill();
      LockSupport.parkNanos(RESTART_AFTER.toNanos());
      redis.cluster().restart(victim);
      long restartedAt = System.nanoTime();

      for (Future<?> writer : running) {
        writer.get(LOAD.toSeconds() + GIVE_UP_AFTER.toSeconds() + 30, TimeUnit.SECONDS);
      }
      long callsAfterKill = calls.get() - callsBeforeKill;

      long stored = AcknowledgedTotals.assertStoredExactly(targets, prefix, acknowledged);
      long expected = AcknowledgedTotals.sum(acknowledged);
      System.out.printf("failover: killed master on port %d at %.1f s, restarted it %.1f s later; %d increments "
              + "acknowledged (%d after the kill), %d stored, 0 lost; %d failed attempts retried, failures seen from "
              + "%.2f s to %.2f s after the kill: %s%n",
          victim.port(), (killedAt - start) / 1e9, (restartedAt - killedAt) / 1e9, expected, callsAfterKill, stored,
          failedAttempts.get(),
          firstFailure.get() == 0 ? 0 : (firstFailure.get() - killedAt) / 1e9,
          lastFailure.get() == 0 ? 0 : (lastFailure.get() - killedAt) / 1e9, failures);
      assertThat(stored).isEqualTo(expected);
      assertThat(callsAfterKill).as("calls recovered after the failover").isPositive();
      assertThat(failedAttempts.get()).as("the kill was felt (otherwise this test proves nothing)").isPositive();
    } finally {
      writers.shutdownNow();
      nodes.forEach(TestServer::stop);
    }
  }
}
