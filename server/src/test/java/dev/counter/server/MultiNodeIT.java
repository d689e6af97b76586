package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.Await;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.BatchIncrementRequest;
import dev.counter.v1.BatchIncrementResponse;
import dev.counter.v1.Durability;
import dev.counter.v1.GetRequest;
import dev.counter.v1.GetResponse;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.ResetRequest;
import dev.counter.v1.Shard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Two server nodes sharing one Redis, each over its own Netty port. */
class MultiNodeIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static TestServer nodeA;
  private static TestServer nodeB;

  @BeforeAll
  static void startNodes() throws Exception {
    nodeA = TestServer.start(redis.uri());
    nodeB = TestServer.start(redis.uri());
  }

  @AfterAll
  static void stopNodes() {
    nodeA.stop();
    nodeB.stop();
  }

  @Test
  void concurrentIncrementsSpreadOverTwoNodesReturnExactlyOneToN() throws Exception {
    String name = TestNames.unique("one-to-n");
    int n = 4000;
    List<ListenableFuture<IncrementResponse>> calls = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      TestServer node = i % 2 == 0 ? nodeA : nodeB;
      calls.add(node.futureStub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build()));
    }
    List<Long> values = new ArrayList<>(n);
    for (ListenableFuture<IncrementResponse> call : calls) {
      values.add(call.get(30, TimeUnit.SECONDS).getValue());
    }

    assertThat(values).containsExactlyInAnyOrderElementsOf(LongStream.rangeClosed(1, n).boxed().toList());
    GetResponse total = nodeA.stub().get(GetRequest.newBuilder().setName(name).setIncludeShards(true).build());
    assertThat(total.getValue()).isEqualTo(n);
    assertThat(total.getShardsList()).as("one shard per node").hasSize(2)
        .extracting(Shard::getValue).allSatisfy(shard -> assertThat(shard).isPositive());
  }

  @Test
  void theSameRequestIdSentToBothNodesAppliesOnce() throws Exception {
    String name = TestNames.unique("idem");
    int ids = 500;
    List<ListenableFuture<IncrementResponse>> viaA = new ArrayList<>();
    List<ListenableFuture<IncrementResponse>> viaB = new ArrayList<>();
    for (int i = 0; i < ids; i++) {
      IncrementRequest request = IncrementRequest.newBuilder().setName(name).setDelta(3).setRequestId("id-" + i).build();
      viaA.add(nodeA.futureStub().increment(request));
      viaB.add(nodeB.futureStub().increment(request));
    }
    for (int i = 0; i < ids; i++) {
      IncrementResponse a = viaA.get(i).get(30, TimeUnit.SECONDS);
      IncrementResponse b = viaB.get(i).get(30, TimeUnit.SECONDS);
      assertThat(a.getValue()).as("both attempts of id-%d report the first value", i).isEqualTo(b.getValue());
      assertThat(a.getDuplicate() ^ b.getDuplicate()).as("exactly one of them applied").isTrue();
    }
    assertThat(nodeB.stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isEqualTo(3L * ids);
  }

  @Test
  void anOverflowingIncrementFailsAloneWhileAnotherCounterInTheSameFlushSucceeds() throws Exception {
    String full = TestNames.unique("full");
    String other = TestNames.unique("other");
    nodeA.stub().increment(IncrementRequest.newBuilder().setName(full).setDelta(Long.MAX_VALUE).build());

    // Many concurrent calls through one node, so they share flushes.
    List<ListenableFuture<IncrementResponse>> overflowing = new ArrayList<>();
    List<ListenableFuture<IncrementResponse>> fine = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      overflowing.add(nodeA.futureStub().increment(IncrementRequest.newBuilder().setName(full).setDelta(1).build()));
      fine.add(nodeA.futureStub().increment(IncrementRequest.newBuilder().setName(other).setDelta(1).build()));
    }
    for (ListenableFuture<IncrementResponse> call : overflowing) {
      Throwable error = org.assertj.core.api.Assertions.catchThrowable(() -> call.get(30, TimeUnit.SECONDS));
      assertThat(io.grpc.Status.fromThrowable(error).getCode()).isEqualTo(io.grpc.Status.Code.OUT_OF_RANGE);
    }
    Set<Long> values = new HashSet<>();
    for (ListenableFuture<IncrementResponse> call : fine) {
      values.add(call.get(30, TimeUnit.SECONDS).getValue());
    }
    assertThat(values).hasSize(200);
    assertThat(nodeB.stub().get(GetRequest.newBuilder().setName(full).build()).getValue()).isEqualTo(Long.MAX_VALUE);
    assertThat(nodeB.stub().get(GetRequest.newBuilder().setName(other).build()).getValue()).isEqualTo(200);
  }

  @Test
  void durableIncrementsSurviveAServerStopAndRestart() throws Exception {
    String name = TestNames.unique("restart");
    long acknowledged;
    try (TestServer transient1 = TestServer.start(redis.uri())) {
      acknowledged = transient1.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(77).build())
          .getValue();
    }
    try (TestServer transient2 = TestServer.start(redis.uri())) {
      assertThat(transient2.stub().get(GetRequest.newBuilder().setName(name).build()).getValue())
          .isEqualTo(acknowledged).isEqualTo(77);
    }
  }

  @Test
  void bufferedIncrementsSurviveAGracefulShutdown() throws Exception {
    String name = TestNames.unique("drain");
    TestServer draining = TestServer.start(redis.uri());
    int n = 20_000;
    BatchIncrementRequest.Builder batch = BatchIncrementRequest.newBuilder();
    for (int i = 0; i < 1000; i++) {
      batch.addItems(IncrementRequest.newBuilder().setName(name + "-" + (i % 50)).setDelta(1)
          .setDurability(Durability.DURABILITY_BUFFERED));
    }
    List<ListenableFuture<BatchIncrementResponse>> calls = new ArrayList<>();
    for (int i = 0; i < n / 1000; i++) {
      calls.add(draining.futureStub().batchIncrement(batch.build()));
    }
    long accepted = 0;
    for (ListenableFuture<BatchIncrementResponse> call : calls) {
      accepted += call.get(30, TimeUnit.SECONDS).getResultsList().stream().filter(r -> r.hasResponse()).count();
    }
    // Stop at once: much of it is still in the node's buffer.
    draining.stop();

    long stored = 0;
    for (int i = 0; i < 50; i++) {
      stored += nodeA.stub().get(GetRequest.newBuilder().setName(name + "-" + i).build()).getValue();
    }
    assertThat(accepted).isEqualTo(n);
    assertThat(stored).isEqualTo(accepted);
  }

  @Test
  void resetClearsEverythingAcknowledgedBeforeItAndNothingAcknowledgedAfter() throws Exception {
    String name = TestNames.unique("reset");
    ExecutorService pool = Executors.newFixedThreadPool(4);
    AtomicLong acknowledged = new AtomicLong();
    // Increments started after the reset returned: they are not concurrent with it, so they must
    // all survive it. (One started earlier may be acknowledged later and still be cleared: it was
    // concurrent with the reset, and either order is a valid sequential order.)
    AtomicLong startedAfterReset = new AtomicLong();
    long[] resetWindow = new long[2];
    try {
      List<Future<?>> writers = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        TestServer node = w % 2 == 0 ? nodeA : nodeB;
        writers.add(pool.submit(() -> {
          for (int i = 0; i < 600; i++) {
            boolean afterReset;
            synchronized (resetWindow) {
              afterReset = resetWindow[1] != 0;
            }
            node.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build());
            acknowledged.incrementAndGet();
            if (afterReset) {
              startedAfterReset.incrementAndGet();
            }
          }
          return null;
        }));
      }
      Await.until("800 increments before the reset", Duration.ofSeconds(60), () -> acknowledged.get() >= 800);
      long acknowledgedWhenResetStarts;
      synchronized (resetWindow) {
        resetWindow[0] = System.nanoTime();
        acknowledgedWhenResetStarts = acknowledged.get();
      }
      long previous = nodeB.stub().reset(ResetRequest.newBuilder().setName(name).build()).getPreviousValue();
      synchronized (resetWindow) {
        resetWindow[1] = System.nanoTime();
      }
      for (Future<?> writer : writers) {
        writer.get(60, TimeUnit.SECONDS);
      }
      long remaining = nodeA.stub().get(GetRequest.newBuilder().setName(name).build()).getValue();

      assertThat(previous + remaining).as("every increment counted once, by the reset or after it").isEqualTo(2400);
      assertThat(previous).as("includes everything acknowledged before the reset started")
          .isGreaterThanOrEqualTo(acknowledgedWhenResetStarts);
      assertThat(remaining).as("includes everything started after the reset returned")
          .isGreaterThanOrEqualTo(startedAfterReset.get());
      assertThat(startedAfterReset.get()).as("the reset happened mid-load").isPositive();
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void getSeesEveryIncrementAcknowledgedBeforeIt() throws Exception {
    String name = TestNames.unique("get");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    AtomicLong acknowledged = new AtomicLong();
    try {
      Future<?> writer = pool.submit(() -> {
        for (int i = 0; i < 1500; i++) {
          nodeA.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build());
          acknowledged.incrementAndGet();
        }
        return null;
      });
      long lastSeen = 0;
      while (!writer.isDone()) {
        long before = acknowledged.get();
        long seen = nodeB.stub().get(GetRequest.newBuilder().setName(name).build()).getValue();
        assertThat(seen).isGreaterThanOrEqualTo(before).isGreaterThanOrEqualTo(lastSeen);
        lastSeen = seen;
      }
      writer.get();
      assertThat(nodeB.stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isEqualTo(1500);
    } finally {
      pool.shutdownNow();
    }
  }
}
