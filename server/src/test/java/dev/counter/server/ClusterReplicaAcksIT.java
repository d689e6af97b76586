package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.google.common.util.concurrent.ListenableFuture;
import dev.counter.client.CounterClient;
import dev.counter.server.devredis.RedisProcess;
import dev.counter.server.store.redis.CounterKeys;
import dev.counter.server.testing.RedisClusterExtension;
import dev.counter.server.testing.SlotMigration;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.GetRequest;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.ResetRequest;
import io.grpc.Status;
import io.lettuce.core.cluster.SlotHash;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code --replica-acks} on a Redis Cluster: writes follow a slot to its new master at once (not
 * at the next periodic topology refresh), a WAIT blocked on a slow replica holds back only
 * writes, and a Reset is acknowledged only once a replica has it, like an increment.
 */
class ClusterReplicaAcksIT {
  @RegisterExtension static final RedisClusterExtension redis = RedisClusterExtension.threeMastersWithReplicas();

  private static final CounterKeys KEYS = new CounterKeys("ctr:");
  private static TestServer node;
  private static SlotMigration migration;

  @BeforeAll
  static void start() throws Exception {
    // A periodic refresh far beyond the test: only redirects can teach the node the new topology.
    node = TestServer.start(null, "--redis-cluster", redis.seeds(), "--replica-acks", "1",
        "--replica-ack-timeout", "2s", "--redis-timeout", "5s", "--cluster-refresh-period", "10m");
    migration = new SlotMigration(redis.cluster().nodes().subList(0, 3), Duration.ZERO);
  }

  @AfterAll
  static void stop() {
    migration.close();
    node.stop();
  }

  @Test
  void writesFollowASlotToItsNewMasterAtOnce() {
    String name = TestNames.unique("moved");
    int slot = SlotHash.getSlot(KEYS.counter(name));
    try (CounterClient client = CounterClient.forTarget(node.target())) {
      assertThat(client.increment(name, 1)).isEqualTo(1);
      int owner = migration.ownerOf(slot);
      migration.move(slot, owner, (owner + 1) % 3);

      long start = System.nanoTime();
      for (int i = 2; i <= 6; i++) {
        assertThat(client.increment(name, 1)).isEqualTo(i);
      }
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("without waiting for a periodic refresh")
          .isLessThan(Duration.ofSeconds(5));
      assertThat(client.reset(name)).as("a reset follows the slot too").isEqualTo(6);
    }
  }

  @Test
  void aWaitStuckOnASlowReplicaHoldsBackNeitherReadsNorItsResetIsAcknowledgedWithoutIt() throws Exception {
    String name = TestNames.unique("slow-replica");
    int slot = SlotHash.getSlot(KEYS.counter(name));
    node.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(5).build());
    RedisProcess replica = redis.cluster().nodes().get(3 + migration.ownerOf(slot));
    replica.pause();
    try {
      ListenableFuture<IncrementResponse> waiting = node.futureStub()
          .increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build());
      long start = System.nanoTime();
      long read = node.stub().get(GetRequest.newBuilder().setName(name).build()).getValue();
      Duration readTook = Duration.ofNanos(System.nanoTime() - start);

      assertThat(readTook).as("a read beside a WAIT that blocks for 2 s").isLessThan(Duration.ofMillis(1000));
      assertThat(read).isIn(5L, 6L);
      Throwable unconfirmed = catchThrowable(() -> waiting.get(10, TimeUnit.SECONDS));
      assertThat(Status.fromThrowable(unconfirmed).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      Throwable reset = catchThrowable(() -> node.stub().reset(ResetRequest.newBuilder().setName(name).build()));
      assertThat(reset).as("a reset no replica has is not acknowledged").isNotNull();
      assertThat(Status.fromThrowable(reset).getCode()).as("a reset no replica has is not acknowledged")
          .isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(Status.fromThrowable(reset).getDescription()).contains("replicas acknowledged");
    } finally {
      replica.resume();
    }
  }
}
