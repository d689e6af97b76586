package dev.counter.server.windows;

import dev.counter.server.testing.RedisClock;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link WindowsAndLimitsContract} on three nodes sharing a standalone Redis. */
class StandaloneWindowsIT extends WindowsAndLimitsContract {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static final List<TestServer> nodes = new ArrayList<>();
  private static RedisClient client;
  private static StatefulRedisConnection<String, String> admin;

  @BeforeAll
  static void start() throws Exception {
    for (int i = 0; i < 3; i++) {
      nodes.add(TestServer.start(redis.uri()));
    }
    client = RedisClient.create(redis.uri());
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
    return 1;
  }

  @Override
  int masters() {
    return 1;
  }

  @Override
  long existing(String... keys) {
    return admin.sync().exists(keys);
  }
}
