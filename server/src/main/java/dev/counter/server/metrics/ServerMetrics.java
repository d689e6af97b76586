package dev.counter.server.metrics;

import dev.counter.server.batching.BatcherMetrics;
import dev.counter.server.store.StoreMetrics;
import dev.counter.v1.CounterServiceGrpc;
import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.DoubleSupplier;

/**
 * Every Prometheus metric of a node (SPEC §4), in one registry. Names start with
 * {@code counter_}; JVM metrics are included. Thread-safe.
 *
 * <p>Recorded on every call and increment, so the labelled series are looked up once and kept,
 * and histograms are classic only (a native histogram costs more per observation).
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
  private final CounterDataPoint acceptedDurable;
  private final CounterDataPoint acceptedBuffered;
  private final Map<Resolution, CounterDataPoint> resolvedByOutcome = new EnumMap<>(Resolution.class);
  private final Map<String, CallSeries> callSeries = new ConcurrentHashMap<>();

  public ServerMetrics() {
    calls = Counter.builder().name("counter_grpc_calls_total")
        .help("gRPC calls of counter.v1.CounterService that ended, by method and status code")
        .labelNames("method", "code").register(registry);
    callLatency = Histogram.builder().name("counter_grpc_call_duration_seconds")
        .help("Duration of counter.v1.CounterService calls, from start to status, by method")
        .unit(Unit.SECONDS).labelNames("method")
        .classicOnly()
        .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)
        .register(registry);
    accepted = Counter.builder().name("counter_increments_accepted_total")
        .help("Increments a node accepted into its pending buffer, by durability")
        .labelNames("durability").register(registry);
    resolved = Counter.builder().name("counter_increments_flushed_total")
        .help("Pending increments that left the buffer, by outcome (applied, duplicate, out_of_range, not_applied "
            + "(denied by limits, or a dry run), failed, abandoned, lost); accepted = flushed + pending")
        .labelNames("outcome").register(registry);
    flushes = Counter.builder().name("counter_flushes_total")
        .help("Flushes (one batch of writes to Redis per lane)").register(registry);
    flushIncrements = Histogram.builder().name("counter_flush_increments")
        .help("Increments carried by one flush")
        .classicOnly()
        .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096, 16384)
        .register(registry);
    flushLatency = Histogram.builder().name("counter_flush_duration_seconds")
        .help("Time from sending a flush to Redis until its last write completed")
        .unit(Unit.SECONDS)
        .classicOnly()
        .classicUpperBounds(0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 2.5)
        .register(registry);
    storeErrors = Counter.builder().name("counter_redis_errors_total")
        .help("Failed Redis operations, by operation and kind (unavailable: outage or timeout; other)")
        .labelNames("operation", "kind").register(registry);
    // Zero series up front, so dashboards and alerts see the families before the first event.
    for (String operation : new String[] {"write", "get", "batch_get", "reset", "window", "delete", "list"}) {
      storeErrors.labelValues(operation, "unavailable");
      storeErrors.labelValues(operation, "other");
    }
    for (Resolution resolution : Resolution.values()) {
      resolvedByOutcome.put(resolution, resolved.labelValues(resolution.name().toLowerCase(Locale.ROOT)));
    }
    for (io.grpc.MethodDescriptor<?, ?> method : CounterServiceGrpc.getServiceDescriptor().getMethods()) {
      callSeries(method.getBareMethodName()).zero("OK");
    }
    acceptedDurable = accepted.labelValues("durable");
    acceptedBuffered = accepted.labelValues("buffered");
    JvmMetrics.builder().register(registry);
    // The build, as a constant 1 with labels (the Prometheus convention for *_build_info).
    io.prometheus.metrics.core.metrics.Gauge.builder().name("counter_build_info")
        .help("Build of this node: version of the server, Java runtime version")
        .labelNames("version", "java_version").register(registry)
        .labelValues(BuildInfo.version(), System.getProperty("java.runtime.version", "unknown")).set(1);
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  /** Registers a gauge read at scrape time. */
  public void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(name).help(help)
        .callback(callback -> callback.call(value.getAsDouble())).register(registry);
  }

  /** The series of one method, to keep and record its calls with. */
  public CallSeries callSeries(String method) {
    return callSeries.computeIfAbsent(method, CallSeries::new);
  }

  @Override
  public void accepted(int count, boolean buffered) {
    (buffered ? acceptedBuffered : acceptedDurable).inc(count);
  }

  @Override
  public void resolved(Resolution resolution, int count) {
    resolvedByOutcome.get(resolution).inc(count);
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

  /** The call count (by status code) and latency series of one method. Thread-safe. */
  public final class CallSeries {
    private final String method;
    private final DistributionDataPoint latency;
    private final Map<String, CounterDataPoint> callsByCode = new ConcurrentHashMap<>();

    private CallSeries(String method) {
      this.method = method;
      this.latency = callLatency.labelValues(method);
    }

    /** Records one finished call with status {@code code} that took {@code nanos}. */
    public void record(String code, long nanos) {
      callsByCode.computeIfAbsent(code, c -> calls.labelValues(method, c)).inc();
      latency.observe(nanos / 1e9);
    }

    private void zero(String code) {
      callsByCode.computeIfAbsent(code, c -> calls.labelValues(method, c));
    }
  }
}
