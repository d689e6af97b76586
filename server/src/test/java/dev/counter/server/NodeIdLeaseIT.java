package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.GetRequest;
import dev.counter.v1.IncrementRequest;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Node ids: leased lowest-free first, reused after release, pinned on request. */
class NodeIdLeaseIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  @Test
  void nodesLeaseDistinctIdsAndReuseReleasedOnes() throws Exception {
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> admin = client.connect();
        TestServer first = TestServer.start(redis.uri(), "--node-lease-ttl", "6s")) {
      TestServer second = TestServer.start(redis.uri(), "--node-lease-ttl", "6s");
      String firstId = nodeId(first);
      String secondId = nodeId(second);
      assertThat(firstId).isEqualTo("0");
      assertThat(secondId).isEqualTo("1");
      assertThat(admin.sync().get("ctr:node:1")).isNotBlank();
      assertThat(admin.sync().pttl("ctr:node:1")).isBetween(1L, 6000L);

      second.stop();
      assertThat(admin.sync().exists("ctr:node:1")).isZero();
      try (TestServer third = TestServer.start(redis.uri())) {
        assertThat(nodeId(third)).as("the released id is reused").isEqualTo("1");
      }
    } finally {
      client.shutdown();
    }
  }

  @Test
  void aPinnedIdIsUsedAndLeasedSoOthersSkipIt() throws Exception {
    String prefix = "pin" + System.nanoTime() + ":";
    try (TestServer pinned = TestServer.start(redis.uri(), "--node-id", "0", "--key-prefix", prefix);
        TestServer leasing = TestServer.start(redis.uri(), "--key-prefix", prefix)) {
      assertThat(nodeId(pinned)).isEqualTo("0");
      assertThat(nodeId(leasing)).isEqualTo("1");
    }
  }

  private static String nodeId(TestServer server) {
    String name = TestNames.unique("id");
    server.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build());
    return server.stub().get(GetRequest.newBuilder().setName(name).setIncludeShards(true).build())
        .getShards(0).getNodeId();
  }
}
