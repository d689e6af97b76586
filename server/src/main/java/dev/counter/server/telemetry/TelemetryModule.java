package dev.counter.server.telemetry;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.counter.server.config.ServerConfig;
import dev.counter.server.metrics.BuildInfo;
import dev.counter.server.metrics.ServerMetrics;
import dev.counter.server.store.StoreMetrics;

/** Binds the OpenTelemetry SDK and, when tracing is on, the span-recording store metrics. */
public final class TelemetryModule extends AbstractModule {
  @Provides
  @Singleton
  Telemetry telemetry(ServerMetrics metrics, ServerConfig config) {
    return Telemetry.create(metrics.registry(), config.otlpEndpoint(), config.traceSampleRatio(), BuildInfo.version());
  }

  @Provides
  @Singleton
  StoreMetrics storeMetrics(ServerMetrics metrics, Telemetry telemetry) {
    return telemetry.tracing() ? new TracedStoreMetrics(metrics, telemetry) : metrics;
  }
}
