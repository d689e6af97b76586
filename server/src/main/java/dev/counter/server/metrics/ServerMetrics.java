package dev.counter.server.metrics;

import dev.counter.server.batching.BatcherMetrics;
import dev.counter.server.store.StoreMetrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.function.DoubleSupplier;

/**
 * Every Prometheus metric of a node (SPEC §4), in one registry. Names start with
 * {@code counter_}; JVM metrics are included. Thread-safe.
 */
public final class ServerMetrics implements BatcherMetrics, StoreMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter calls;
  private final Histogram callLatency;
  private final Counter accepted;
  private final Counter resolved;
  private final Counter flushes;
  private final Histogram flushIncrements;
  private final Histogram flushLatency;
  private final Counter storeErrors;

  public ServerMetrics() {
    calls = Counter.builder().name("counter_grpc_calls_total")
        .help("gRPC calls of counter.v1.CounterService that ended, by method and status code")
        .labelNames("method", "code").register(registry);
    callLatency = Histogram.builder().name("counter_grpc_call_duration_seconds")
        .help("Duration of counter.v1.CounterService calls, from start to status, by method")
        .unit(Unit.SECONDS).labelNames("method")
        .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
        .register(registry);
    accepted = Counter.builder().name("counter_increments_accepted_total")
        .help("Increments a node accepted into its pending buffer, by durability")
        .labelNames("durability").register(registry);
    resolved = Counter.builder().name("counter_increments_flushed_total")
        .help("Pending increments that left the buffer, by outcome (applied, duplicate, out_of_range, failed, "
            + "abandoned, lost); accepted = flushed + pending")
        .labelNames("outcome").register(registry);
    flushes = Counter.builder().name("counter_flushes_total")
        .help("Flushes (one batch of writes to Redis per lane)").register(registry);
    flushIncrements = Histogram.builder().name("counter_flush_increments")
        .help("Increments carried by one flush")
        .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384)
        .register(registry);
    flushLatency = Histogram.builder().name("counter_flush_duration_seconds")
        .help("Time from sending a flush to Redis until its last write completed")
        .unit(Unit.SECONDS)
        .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 2.5)
        .register(registry);
    storeErrors = Counter.builder().name("counter_redis_errors_total")
        .help("Failed Redis operations, by operation and kind (unavailable: outage or timeout; other)")
        .labelNames("operation", "kind").register(registry);
    // Zero series up front, so dashboards and alerts see the families before the first event.
    for (String operation : new String[] {"write", "get", "batch_get", "reset"}) {
      storeErrors.labelValues(operation, "unavailable");
      storeErrors.labelValues(operation, "other");
    }
    for (Resolution resolution : Resolution.values()) {
      resolved.labelValues(resolution.name().toLowerCase(java.util.Locale.ROOT));
    }
    accepted.labelValues("durable");
    accepted.labelValues("buffered");
    JvmMetrics.builder().register(registry);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** Registers a gauge read at scrape time. */
  public void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(name).help(help)
        .callback(callback -> callback.call(value.getAsDouble())).register(registry);
  }

  /** Records one finished call. */
  public void call(String method, String code, long nanos) {
    calls.labelValues(method, code).inc();
    callLatency.labelValues(method).observe(nanos / 1e9);
  }

  @Override
  public void accepted(int count, boolean buffered) {
    accepted.labelValues(buffered ? "buffered" : "durable").inc(count);
  }

  @Override
  public void resolved(Resolution resolution, int count) {
    resolved.labelValues(resolution.name().toLowerCase(java.util.Locale.ROOT)).inc(count);
  }

  @Override
  public void flushed(int writes, int increments, long nanos) {
    flushes.inc();
    flushIncrements.observe(increments);
    flushLatency.observe(nanos / 1e9);
  }

  @Override
  public void failed(String operation, boolean unavailable) {
    storeErrors.labelValues(operation, unavailable ? "unavailable" : "other").inc();
  }
}
