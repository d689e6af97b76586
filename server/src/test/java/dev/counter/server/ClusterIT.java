package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.counter.server.store.redis.CounterKeys;
import dev.counter.server.testing.RedisClusterExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.BatchGetRequest;
import dev.counter.v1.BatchIncrementRequest;
import dev.counter.v1.CounterValue;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.ResetRequest;
import io.lettuce.core.cluster.SlotHash;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Three server nodes on a Redis Cluster of three masters, each with a replica. */
class ClusterIT {
  @RegisterExtension static final RedisClusterExtension redis = RedisClusterExtension.threeMastersWithReplicas();

  private static final List<TestServer> nodes = new ArrayList<>();

  @BeforeAll
  static void startNodes() throws Exception {
    for (int i = 0; i < 3; i++) {
      nodes.add(TestServer.start(null, "--redis-cluster", redis.seeds(), "--replica-acks", i == 2 ? "1" : "0",
          "--replica-ack-timeout", "5s", "--redis-timeout", "10s"));
    }
  }

  @AfterAll
  static void stopNodes() {
    nodes.forEach(TestServer::stop);
  }

  @Test
  void concurrentIncrementsSpreadOverThreeNodesReturnExactlyOneToN() throws Exception {
    String name = TestNames.unique("cluster-one-to-n");
    int n = 3000;
    List<ListenableFuture<IncrementResponse>> calls = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      calls.add(nodes.get(i % 3).futureStub()
          .increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build()));
    }
    List<Long> values = new ArrayList<>(n);
    for (ListenableFuture<IncrementResponse> call : calls) {
      values.add(call.get(30, TimeUnit.SECONDS).getValue());
    }
    assertThat(values).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, n).boxed().toList());
  }

  @Test
  void countersSpreadOverTheWholeSlotSpaceReadBackExactly() {
    // Fixed names (the cluster is fresh for this class), so the slots they cover are fixed too.
    String prefix = "spread/";
    int counters = 20_000;
    CounterKeys keys = new CounterKeys("ctr:");
    Set<Integer> slots = new HashSet<>();
    for (int from = 0; from < counters; from += 1000) {
      BatchIncrementRequest.Builder batch = BatchIncrementRequest.newBuilder();
      for (int i = from; i < from + 1000; i++) {
        batch.addItems(IncrementRequest.newBuilder().setName(prefix + i).setDelta(i + 1L));
        slots.add(SlotHash.getSlot(keys.counter(prefix + i)));
      }
      assertThat(nodes.get((from / 1000) % 3).stub().batchIncrement(batch.build()).getResultsList())
          .allSatisfy(result -> assertThat(result.hasResponse()).isTrue());
    }
    // Most of the 16384 slots, hence all three masters.
    assertThat(slots.size()).isGreaterThan(10_000);
    assertThat(slots).anyMatch(slot -> slot < 5461).anyMatch(slot -> slot > 5461 && slot < 10922)
        .anyMatch(slot -> slot > 10922);

    for (int from = 0; from < counters; from += 10_000) {
      BatchGetRequest.Builder request = BatchGetRequest.newBuilder();
      for (int i = from; i < from + 10_000; i++) {
        request.addNames(prefix + i);
      }
      List<CounterValue> values = nodes.get(2).stub().batchGet(request.build()).getValuesList();
      for (int i = 0; i < values.size(); i++) {
        assertThat(values.get(i).getValue()).as(values.get(i).getName()).isEqualTo(from + i + 1L);
      }
    }
  }

  @Test
  void aRequestIdAppliesOnceAcrossNodes() throws Exception {
    String name = TestNames.unique("cluster-idem");
    IncrementRequest request = IncrementRequest.newBuilder().setName(name).setDelta(9).setRequestId("once").build();
    List<IncrementResponse> responses = new ArrayList<>();
    for (TestServer node : nodes) {
      responses.add(node.stub().increment(request));
    }
    assertThat(responses).extracting(IncrementResponse::getValue).containsOnly(9L);
    assertThat(responses).filteredOn(IncrementResponse::getDuplicate).hasSize(2);
    assertThat(nodes.get(1).stub().reset(ResetRequest.newBuilder().setName(name).build()).getPreviousValue())
        .isEqualTo(9);
  }

  @Test
  void aWatchOnOneNodeSeesAnIncrementMadeOnAnotherWithinTwoIntervalsPlusAFlush() throws Exception {
    String name = TestNames.unique("cluster-watch");
    java.time.Duration interval = java.time.Duration.ofMillis(100);
    java.util.concurrent.BlockingQueue<Long> values = new java.util.concurrent.LinkedBlockingQueue<>();
    try (dev.counter.client.CounterClient a = dev.counter.client.CounterClient.forTarget(nodes.get(0).target());
        dev.counter.client.CounterClient b = dev.counter.client.CounterClient.forTarget(nodes.get(1).target());
        dev.counter.client.CounterClient.WatchHandle watch = a.watch(name, interval, values::add, error -> { })) {
      assertThat(values.poll(5, TimeUnit.SECONDS)).isZero();
      java.util.List<java.time.Duration> latencies = new java.util.ArrayList<>();
      for (int round = 1; round <= 5; round++) {
        long expected = b.increment(name, 10);
        long acknowledged = System.nanoTime();
        assertThat(values.poll(5, TimeUnit.SECONDS)).isEqualTo(expected);
        latencies.add(java.time.Duration.ofNanos(System.nanoTime() - acknowledged));
      }
      WatchLatency.assertWithinTwoIntervalsPlusAFlush(latencies, interval);
    }
  }

  @Test
  void writesWaitingForAReplicaAreAcknowledged() {
    String name = TestNames.unique("acked");
    // Node 2 runs with --replica-acks 1: each write is confirmed by the master's replica.
    for (int i = 1; i <= 50; i++) {
      assertThat(nodes.get(2).stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build())
          .getValue()).isEqualTo(i);
    }
  }
}
