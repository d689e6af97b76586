package dev.counter.server.store.redis;

import dev.counter.server.testing.Await;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * A connected gateway to one standalone Redis, an admin connection beside it, and stores of any
 * node id over that gateway (keys under {@code ctr:}): the setup of the store integration tests.
 */
final class StandaloneStores implements AutoCloseable {
  static final CounterKeys KEYS = new CounterKeys("ctr:");

  private final RedisClient client;
  private final ScheduledExecutorService maintenance = Executors.newSingleThreadScheduledExecutor();
  private final StandaloneRedisGateway gateway;
  private final StatefulRedisConnection<String, String> admin;

  StandaloneStores(String uri) {
    client = RedisClient.create(uri);
    gateway = new StandaloneRedisGateway(client, RedisURI.create(uri), maintenance, false);
    gateway.start(() -> {});
    Await.until("connection", Duration.ofSeconds(10), gateway::isConnected);
    admin = client.connect();
  }

  /** A store of node {@code nodeId}, with the given idempotency window. */
  RedisCounterStore store(int nodeId, Duration idempotencyWindow) {
    NodeIdentity identity = new NodeIdentity();
    identity.set(nodeId);
    return new RedisCounterStore(gateway, KEYS, identity, idempotencyWindow, 0, Duration.ofSeconds(1));
  }

  /** A connection of its own, for reading and arranging what Redis holds. */
  StatefulRedisConnection<String, String> admin() {
    return admin;
  }

  @Override
  public void close() {
    admin.close();
    gateway.close();
    client.shutdown();
    maintenance.shutdownNow();
  }
}
