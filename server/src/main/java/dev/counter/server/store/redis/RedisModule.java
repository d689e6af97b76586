package dev.counter.server.store.redis;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.counter.server.config.ServerConfig;
import dev.counter.server.devredis.DevRedisServer;
import dev.counter.server.metrics.ServerMetrics;
import dev.counter.server.netty.SharedEventLoops;
import dev.counter.server.store.CounterStore;
import dev.counter.server.store.IncrementWriter;
import dev.counter.server.store.MeteredCounterStore;
import dev.counter.server.store.StoreMetrics;
import dev.counter.server.store.StoreLifecycle;
import dev.counter.server.store.StoreProbe;
import io.lettuce.core.AbstractRedisClient;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.SocketOptions;
import io.lettuce.core.SslOptions;
import io.lettuce.core.TimeoutOptions;
import io.lettuce.core.cluster.ClusterClientOptions;
import io.lettuce.core.cluster.ClusterTopologyRefreshOptions;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/** Binds the Redis implementation of the store: client, connection, node identity, lifecycle. */
public final class RedisModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(IncrementWriter.class).to(CounterStore.class);
    bind(StoreLifecycle.class).to(RedisStoreLifecycle.class).in(Singleton.class);
    bind(NodeIdentity.class).in(Singleton.class);
  }

  /** The development Redis, started only when neither --redis nor --redis-cluster is given. */
  @Provides
  @Singleton
  Optional<DevRedisServer> devRedis(ServerConfig config) {
    boolean configured = config.redisUri().isPresent() || !config.clusterSeeds().isEmpty();
    return configured ? Optional.empty() : Optional.of(DevRedisServer.start(config.dataDir()));
  }

  @Provides
  @Singleton
  ClientResources clientResources(SharedEventLoops eventLoops) {
    return DefaultClientResources.builder()
        .eventLoopGroupProvider(eventLoops.lettuceProvider())
        // Futures complete on the I/O loop; the computation pool only serves events and timers.
        .computationThreadPoolSize(1)
        .build();
  }

  @Provides
  @Singleton
  AbstractRedisClient client(ServerConfig config, ClientResources resources, Optional<DevRedisServer> devRedis) {
    List<String> seeds = config.clusterSeeds();
    if (!seeds.isEmpty()) {
      List<RedisURI> uris = new ArrayList<>();
      for (String seed : seeds) {
        uris.add(uri(seed, config));
      }
      RedisClusterClient cluster = RedisClusterClient.create(resources, uris);
      cluster.setOptions(ClusterClientOptions.builder(clientOptions(config))
          .topologyRefreshOptions(ClusterTopologyRefreshOptions.builder()
              .enablePeriodicRefresh(config.clusterRefreshPeriod())
              // MOVED/ASK redirects, reconnect attempts and unknown nodes trigger a refresh, at
              // most once a second, so a failover is picked up within seconds.
              .enableAllAdaptiveRefreshTriggers()
              .adaptiveRefreshTriggersTimeout(Duration.ofSeconds(1))
              .refreshTriggersReconnectAttempts(2)
              .build())
          .build());
      return cluster;
    }
    RedisClient client = RedisClient.create(resources, standaloneUri(config, devRedis));
    client.setOptions(clientOptions(config));
    return client;
  }

  /** --redis, or the development Redis when none is configured. */
  private static RedisURI standaloneUri(ServerConfig config, Optional<DevRedisServer> devRedis) {
    return uri(config.redisUri().orElseGet(() -> devRedis.orElseThrow().uri()), config);
  }

  private static RedisURI uri(String uri, ServerConfig config) {
    RedisURI redisUri = RedisURI.create(uri);
    redisUri.setTimeout(config.redisTimeout());
    return redisUri;
  }

  /** Checks password and cluster mode once before the node starts (a mistake then stops it). */
  @Provides
  @Singleton
  RedisStartupCheck startupCheck(ServerConfig config, ClientResources resources, Optional<DevRedisServer> devRedis) {
    List<String> seeds = config.clusterSeeds();
    List<RedisURI> uris = new ArrayList<>();
    if (seeds.isEmpty()) {
      uris.add(standaloneUri(config, devRedis));
    } else {
      for (String seed : seeds) {
        uris.add(uri(seed, config));
      }
    }
    return new RedisStartupCheck(resources, clientOptions(config), uris, !seeds.isEmpty());
  }

  private static ClientOptions clientOptions(ServerConfig config) {
    ClientOptions.Builder options = ClientOptions.builder();
    config.redisTlsCa().ifPresent(ca -> options.sslOptions(SslOptions.builder().trustManager(ca.toFile()).build()));
    return options
        .autoReconnect(true)
        // At most once. With REJECT_COMMANDS, commands issued while disconnected fail at once
        // (UNAVAILABLE instead of queueing), and commands in flight when a connection drops are
        // failed rather than replayed after the reconnect (DefaultEndpoint.notifyDrainQueuedCommands
        // in Lettuce 7.x; the default mode replays them whatever the replay filter says). A replayed
        // increment script that did run before the drop would apply twice; instead its caller gets
        // UNAVAILABLE and retries with its request id, and buffered increments are resent under a
        // write token.
        .disconnectedBehavior(ClientOptions.DisconnectedBehavior.REJECT_COMMANDS)
        .timeoutOptions(TimeoutOptions.enabled(config.redisTimeout()))
        .socketOptions(SocketOptions.builder().connectTimeout(config.redisTimeout()).keepAlive(true).build())
        .build();
  }

  @Provides
  @Singleton
  @Maintenance
  ScheduledExecutorService maintenance() {
    return Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "counter-redis-maintenance");
      thread.setDaemon(true);
      return thread;
    });
  }

  @Provides
  @Singleton
  RedisGateway gateway(AbstractRedisClient client, ServerConfig config, Optional<DevRedisServer> devRedis,
      @Maintenance ScheduledExecutorService maintenance) {
    if (client instanceof RedisClusterClient cluster) {
      return new ClusterRedisGateway(cluster, maintenance, config.redisTimeout(), config.replicaAcks() > 0);
    }
    return new StandaloneRedisGateway((RedisClient) client, standaloneUri(config, devRedis), maintenance,
        config.replicaAcks() > 0);
  }

  @Provides
  @Singleton
  CounterKeys keys(ServerConfig config) {
    return new CounterKeys(config.keyPrefix());
  }

  @Provides
  @Singleton
  RedisCounterStore store(RedisGateway gateway, CounterKeys keys, NodeIdentity node, ServerConfig config) {
    return new RedisCounterStore(gateway, keys, node, config.idempotencyWindow(), config.replicaAcks(),
        config.replicaAckTimeout());
  }

  /** The store every other component uses: the Redis store, metered. */
  @Provides
  @Singleton
  CounterStore meteredStore(RedisCounterStore store, StoreMetrics metrics) {
    return new MeteredCounterStore(store, metrics);
  }

  @Provides
  @Singleton
  NodeIdLeaser leaser(RedisGateway gateway, CounterKeys keys, NodeIdentity node,
      @Maintenance ScheduledExecutorService maintenance, ServerConfig config) {
    return new NodeIdLeaser(gateway, keys, node, maintenance, config.maxNodeId(), config.nodeId(),
        config.nodeLeaseTtl(), config.redisTimeout());
  }

  @Provides
  @Singleton
  StoreProbe probe(RedisGateway gateway, NodeIdentity node, ServerMetrics metrics) {
    RedisProbe probe = new RedisProbe(gateway, node);
    metrics.gauge("counter_redis_eviction_safe", "1 when every Redis master runs maxmemory-policy noeviction, 0 when "
        + "one does not (the node then serves no calls), -1 until known", probe::evictionSafe);
    return probe;
  }
}
