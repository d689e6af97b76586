package dev.counter.server.health;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.counter.server.config.ServerConfig;
import dev.counter.server.store.StoreProbe;
import dev.counter.v1.CounterServiceGrpc;
import io.grpc.protobuf.services.HealthStatusManager;
import java.util.concurrent.Executors;

/** Binds gRPC health reporting driven by the store's probe. */
public final class HealthModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(ServingState.class).to(StoreHealthMonitor.class);
    bind(HealthStatusManager.class).in(Singleton.class);
  }

  @Provides
  @Singleton
  StoreHealthMonitor monitor(StoreProbe probe, HealthStatusManager health, ServerConfig config) {
    return new StoreHealthMonitor(probe, health, Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "counter-health");
      thread.setDaemon(true);
      return thread;
    }), config.healthInterval(), config.redisTimeout(), CounterServiceGrpc.SERVICE_NAME);
  }
}
