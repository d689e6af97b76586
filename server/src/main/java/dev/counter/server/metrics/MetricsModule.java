package dev.counter.server.metrics;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.counter.server.batching.BatcherMetrics;
import dev.counter.server.config.ServerConfig;

/** Binds the node's Prometheus metrics and their HTTP endpoint. */
public final class MetricsModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(ServerMetrics.class).in(Singleton.class);
    bind(BatcherMetrics.class).to(ServerMetrics.class);
    // StoreMetrics: bound by TelemetryModule (ServerMetrics, or with tracing on a decorator).
  }

  @Provides
  @Singleton
  MetricsEndpoint endpoint(ServerMetrics metrics, ServerConfig config) {
    return new MetricsEndpoint(metrics, config.metricsHost(), config.metricsPort());
  }
}
