package dev.counter.server;

import com.google.inject.Module;
import dev.counter.server.batching.BatchingModule;
import dev.counter.server.config.ConfigModule;
import dev.counter.server.config.ServerConfig;
import dev.counter.server.grpc.GrpcModule;
import dev.counter.server.health.HealthModule;
import dev.counter.server.metrics.MetricsModule;
import dev.counter.server.netty.NettyModule;
import dev.counter.server.store.redis.RedisModule;
import dev.counter.server.telemetry.TelemetryModule;
import dev.counter.server.watch.WatchModule;
import java.util.List;

/** The Guice modules of a server node, one per concern. */
public final class ServerModules {
  private ServerModules() {}

  public static List<Module> forConfig(ServerConfig config) {
    return List.of(new ConfigModule(config), new RedisModule(), new BatchingModule(), new HealthModule(),
        new WatchModule(), new NettyModule(), new MetricsModule(), new TelemetryModule(), new GrpcModule());
  }
}
