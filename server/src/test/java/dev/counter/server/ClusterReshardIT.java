package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.client.CounterClient;
import dev.counter.server.store.redis.CounterKeys;
import dev.counter.server.testing.AcknowledgedTotals;
import dev.counter.server.testing.RedisClusterExtension;
import dev.counter.server.testing.SlotMigration;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Live resharding of the slots in use (CLUSTER SETSLOT MIGRATING/IMPORTING + MIGRATE, as
 * {@code redis-cli --cluster reshard} does it) while two nodes take durable increments with request
 * ids and every fourth acknowledged increment is sent again: every key the flush script touches is
 * declared, so the slot's keys move together, a half-moved slot answers TRYAGAIN or ASK (retried),
 * and nothing is applied twice, lost, or failed with a non-retryable status.
 */
class ClusterReshardIT {
  @RegisterExtension static final RedisClusterExtension redis = RedisClusterExtension.threeMastersWithReplicas();

  private static final int WRITERS = 6;
  private static final int COUNTERS = 8;
  private static final int ROUNDS = 3;
  private static final Duration GIVE_UP_AFTER = Duration.ofSeconds(30);

  @Test
  void resendsStayDuplicatesAndTotalsStayExactWhileTheSlotsInUseMove() throws Exception {
    List<TestServer> nodes = new ArrayList<>();
    ExecutorService writers = Executors.newFixedThreadPool(WRITERS);
    SlotMigration migration = new SlotMigration(redis.cluster().nodes().subList(0, 3), Duration.ofMillis(15));
    try {
      // The second node waits for a replica (--replica-acks): its writes take their own path to each master.
      nodes.add(TestServer.start(null, "--redis-cluster", redis.seeds(), "--redis-timeout", "2s"));
      nodes.add(TestServer.start(null, "--redis-cluster", redis.seeds(), "--redis-timeout", "2s", "--replica-acks", "1",
          "--replica-ack-timeout", "1s"));
      String targets = nodes.get(0).target() + "," + nodes.get(1).target();
      String prefix = TestNames.unique("reshard") + "-";
      AtomicLongArray acknowledged = new AtomicLongArray(COUNTERS);
      AtomicLong resends = new AtomicLong();
      AtomicLong appliedTwice = new AtomicLong();
      AtomicLong nonRetryable = new AtomicLong();
      Map<String, AtomicLong> failures = new ConcurrentHashMap<>();
      AtomicBoolean stop = new AtomicBoolean();

      List<Future<?>> running = new ArrayList<>();
      for (int w = 0; w < WRITERS; w++) {
        int writer = w;
        running.add(writers.submit(() -> {
          // Retried here rather than by gRPC, so that every failed attempt is seen and classified.
          try (CounterClient client = CounterClient.newBuilder().target(targets).deadline(Duration.ofSeconds(5))
              .maxAttempts(1).build()) {
            for (long n = 0; !stop.get(); n++) {
              int counter = (int) ((n * WRITERS + writer) % COUNTERS);
              IncrementRequest request = IncrementRequest.newBuilder().setName(prefix + counter).setDelta(1)
                  .setRequestId(writer + "-" + n).build();
              IncrementResponse first = send(client, request, failures, nonRetryable);
              acknowledged.incrementAndGet(counter);
              if (n % 4 == 0) {
                IncrementResponse again = send(client, request, failures, nonRetryable);
                resends.incrementAndGet();
                if (!again.getDuplicate() || again.getValue() != first.getValue()) {
                  appliedTwice.incrementAndGet();
                }
              }
            }
          }
          return null;
        }));
      }

      CounterKeys keys = new CounterKeys("ctr:");
      TreeSet<Integer> slots = new TreeSet<>();
      for (int c = 0; c < COUNTERS; c++) {
        slots.add(SlotHash.getSlot(keys.counter(prefix + c)));
      }
      int keysMoved = 0;
      int slotMoves = 0;
      LockSupport.parkNanos(Duration.ofMillis(500).toNanos()); // some counters with records first
      for (int round = 0; round < ROUNDS; round++) {
        for (int slot : slots) {
          int owner = migration.ownerOf(slot);
          keysMoved += migration.move(slot, owner, (owner + 1) % 3);
          slotMoves++;
        }
      }
      LockSupport.parkNanos(Duration.ofMillis(300).toNanos()); // some load on the new owners
      stop.set(true);
      for (Future<?> writer : running) {
        writer.get(GIVE_UP_AFTER.toSeconds() + 30, TimeUnit.SECONDS);
      }

      long stored = AcknowledgedTotals.assertStoredExactly(targets, prefix, acknowledged);
      long expected = AcknowledgedTotals.sum(acknowledged);
      System.out.printf("reshard: %d slot moves (%d keys migrated) under load; %d increments acknowledged, %d stored; "
              + "%d resends, %d applied twice; %d non-retryable statuses; failed attempts retried: %s%n",
          slotMoves, keysMoved, expected, stored, resends.get(), appliedTwice.get(), nonRetryable.get(), failures);
      assertThat(keysMoved).as("the slots in use held keys when they moved").isGreaterThanOrEqualTo(slotMoves);
      assertThat(appliedTwice.get()).as("resends applied again").isZero();
      assertThat(nonRetryable.get()).as("non-retryable statuses: %s", failures).isZero();
      assertThat(resends.get()).isPositive();
      assertThat(failures).as("some calls met a half-moved slot (otherwise this test proves little)").isNotEmpty();
    } finally {
      writers.shutdownNow();
      nodes.forEach(TestServer::stop);
      migration.close();
    }
  }

  /**
   * Sends until acknowledged: UNAVAILABLE and DEADLINE_EXCEEDED mean "maybe applied", which the
   * request id makes safe to resend. Any other status is counted as a defect (and resent too, so
   * the ledger stays exact).
   */
  private static IncrementResponse send(CounterClient client, IncrementRequest request, Map<String, AtomicLong> failures,
      AtomicLong nonRetryable) {
    long giveUp = System.nanoTime() + GIVE_UP_AFTER.toNanos();
    while (true) {
      try {
        return client.increment(request);
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        failures.computeIfAbsent(code + ": " + String.valueOf(e.getStatus().getDescription()).replaceAll("[0-9]+", "N"),
            key -> new AtomicLong()).incrementAndGet();
        if (code != Status.Code.UNAVAILABLE && code != Status.Code.DEADLINE_EXCEEDED) {
          nonRetryable.incrementAndGet();
        }
        if (System.nanoTime() > giveUp) {
          throw new AssertionError("increment " + request.getRequestId() + " still failing after " + GIVE_UP_AFTER
              + ": " + failures, e);
        }
        LockSupport.parkNanos(Duration.ofMillis(20).toNanos());
      }
    }
  }
}
