package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.devredis.DevRedisServer;
import dev.counter.server.store.StoreLifecycle;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.resource.ClientResources;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the Redis side of a node in order (connect, then lease a node id) and stops it in
 * reverse (release the lease, close the connection and client, stop the development Redis).
 */
public final class RedisStoreLifecycle implements StoreLifecycle {
  private static final Logger log = LoggerFactory.getLogger(RedisStoreLifecycle.class);

  private final RedisGateway gateway;
  private final NodeIdLeaser leaser;
  private final AbstractRedisClient client;
  private final ClientResources resources;
  private final ScheduledExecutorService maintenance;
  private final Optional<DevRedisServer> devRedis;
  private final NodeIdentity identity;
  private final RedisStartupCheck startupCheck;

  @Inject
  RedisStoreLifecycle(RedisGateway gateway, NodeIdLeaser leaser, AbstractRedisClient client, ClientResources resources,
      @Maintenance ScheduledExecutorService maintenance, Optional<DevRedisServer> devRedis, NodeIdentity identity,
      RedisStartupCheck startupCheck) {
    this.gateway = requireNonNull(gateway, "gateway is null");
    this.leaser = requireNonNull(leaser, "leaser is null");
    this.client = requireNonNull(client, "client is null");
    this.resources = requireNonNull(resources, "resources is null");
    this.maintenance = requireNonNull(maintenance, "maintenance is null");
    this.devRedis = requireNonNull(devRedis, "devRedis is null");
    this.identity = requireNonNull(identity, "identity is null");
    this.startupCheck = requireNonNull(startupCheck, "startupCheck is null");
  }

  @Override
  public java.util.OptionalInt nodeId() {
    return identity.current().map(id -> java.util.OptionalInt.of(Integer.parseInt(id)))
        .orElse(java.util.OptionalInt.empty());
  }

  @Override
  public void start() {
    startupCheck.run();
    gateway.start(leaser::start);
  }

  @Override
  public void close() {
    // The lease is released on the maintenance thread, which owns the leaser's state.
    try {
      maintenance.submit(leaser::release).get(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("could not release the node id lease: {}", e.toString());
    }
    maintenance.shutdownNow();
    gateway.close();
    client.shutdown(Duration.ZERO, Duration.ofSeconds(1));
    // Shared resources are not the client's to shut down.
    resources.shutdown(0, 1, TimeUnit.SECONDS);
    devRedis.ifPresent(DevRedisServer::close);
  }
}
