package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.util.Durations;
import dev.counter.server.testing.Await;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.BatchGetRequest;
import dev.counter.v1.GetRequest;
import dev.counter.v1.IncrementRequest;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bounded-staleness reads (Get with max_staleness) on two nodes: a node may answer from the
 * values its flushes and reads brought back, but never with a value older than asked for. Node B
 * increments; node A reads with max_staleness S: right after the increment A may still answer
 * the old value, but once S has passed since the increment was acknowledged, it must see it.
 */
class StaleReadsIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static TestServer nodeA;
  private static TestServer nodeB;

  @BeforeAll
  static void start() throws Exception {
    nodeA = TestServer.start(redis.uri());
    nodeB = TestServer.start(redis.uri());
  }

  @AfterAll
  static void stop() {
    nodeA.stop();
    nodeB.stop();
  }

  @Test
  void aStaleReadIsNeverOlderThanItsBound() {
    String name = TestNames.unique("stale");
    Duration bound = Duration.ofMillis(150);
    GetRequest staleRead = GetRequest.newBuilder().setName(name)
        .setMaxStaleness(Durations.fromMillis(bound.toMillis())).build();
    Random random = new Random(3);
    int servedOld = 0;
    long acknowledged = 0;
    for (int round = 0; round < 20; round++) {
      // Node A learns the current value (an exact read), then node B moves the counter on.
      long before = nodeA.stub().get(GetRequest.newBuilder().setName(name).build()).getValue();
      assertThat(before).isEqualTo(acknowledged);
      acknowledged = nodeB.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build())
          .getValue();
      long acknowledgedAt = System.nanoTime();

      long soon = nodeA.stub().get(staleRead).getValue();
      assertThat(soon).isIn(before, acknowledged);
      servedOld += soon == before ? 1 : 0;

      // Once the bound has passed since the acknowledgement, the old value is too old to serve.
      long wait = bound.toNanos() + random.nextInt(50) * 1_000_000L;
      Await.until("the bound to pass", Duration.ofSeconds(5), () -> System.nanoTime() - acknowledgedAt > wait);
      assertThat(nodeA.stub().get(staleRead).getValue()).as("round %d", round).isEqualTo(acknowledged);
      assertThat(nodeA.stub().batchGet(BatchGetRequest.newBuilder().addNames(name)
          .setMaxStaleness(Durations.fromMillis(bound.toMillis())).build()).getValues(0).getValue())
          .isEqualTo(acknowledged);
    }
    assertThat(servedOld).as("reads within the bound were served from memory, not Redis").isPositive();
  }

  @Test
  void aNodesOwnFlushesKeepAValueFreshOnceAStaleReadAskedForItAndAnExactReadIsTheDefault() {
    String name = TestNames.unique("own");
    GetRequest stale = GetRequest.newBuilder().setName(name).setMaxStaleness(Durations.fromSeconds(10)).build();
    assertThat(nodeA.stub().get(stale).getValue()).isZero();
    long value = nodeA.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(4).build()).getValue();
    // Within the 10 s bound, but the node's own flush brought the new value: no older one is served.
    assertThat(nodeA.stub().get(stale).getValue()).isEqualTo(value);
    nodeB.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build());
    assertThat(nodeA.stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).as("exact by default")
        .isEqualTo(value + 1);
  }
}
