package dev.counter.server.windows;

import dev.counter.server.testing.RedisClock;
import dev.counter.server.testing.RedisClusterExtension;
import dev.counter.server.testing.TestServer;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link WindowsAndLimitsContract} on three nodes sharing a Redis Cluster of three masters. */
class ClusterWindowsIT extends WindowsAndLimitsContract {
  @RegisterExtension static final RedisClusterExtension redis = RedisClusterExtension.threeMastersWithReplicas();

  private static final List<TestServer> nodes = new ArrayList<>();
  private static RedisClusterClient client;
  private static StatefulRedisClusterConnection<String, String> admin;

  @BeforeAll
  static void start() throws Exception {
    for (int i = 0; i < 3; i++) {
      nodes.add(TestServer.start(null, "--redis-cluster", redis.seeds()));
    }
    client = RedisClusterClient.create(RedisURI.create(redis.cluster().nodes().get(0).uri()));
    admin = client.connect();
  }

  @AfterAll
  static void stop() {
    admin.close();
    client.shutdown();
    nodes.forEach(TestServer::stop);
  }

  @Override
  List<TestServer> nodes() {
    return nodes;
  }

  @Override
  long redisMillis() {
    return RedisClock.millis(admin.sync());
  }

  @Override
  int mastersHolding(java.util.Set<String> names) {
    java.util.Set<Integer> thirds = new java.util.HashSet<>();
    for (String name : names) {
      // The fixture gives each of its three masters a third of the slots, in order.
      thirds.add(io.lettuce.core.cluster.SlotHash.getSlot(KEYS.counter(name)) * 3 / 16384);
    }
    return thirds.size();
  }

  @Override
  int masters() {
    return 3;
  }

  @Override
  long existing(String... keys) {
    long count = 0;
    // One by one: keys of different counters may live in different slots.
    for (String key : keys) {
      count += admin.sync().exists(key);
    }
    return count;
  }
}
