package dev.counter.server.telemetry;

import static java.util.Objects.requireNonNull;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.prometheus.PrometheusMetricReader;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.OpenTelemetrySdkBuilder;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's OpenTelemetry SDK. Metrics always: gRPC's standard server metrics (grpc-java's
 * OpenTelemetry module) are read into the node's Prometheus registry, so they appear on the same
 * {@code /metrics} endpoint as the {@code counter_*} families. Tracing only when an OTLP endpoint
 * is configured: spans of calls and flushes, exported over OTLP/HTTP, W3C trace context taken
 * from the caller, new traces sampled at the configured ratio (a caller's sampling decision wins).
 */
public final class Telemetry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Telemetry.class);
  static final String INSTRUMENTATION = "dev.counter.server";

  private final OpenTelemetrySdk sdk;
  private final boolean tracing;

  private Telemetry(OpenTelemetrySdk sdk, boolean tracing) {
    this.sdk = sdk;
    this.tracing = tracing;
  }

  /**
   * @param registry the Prometheus registry /metrics serves
   * @param otlpEndpoint base URL of an OTLP/HTTP receiver (e.g. http://collector:4318); empty: no tracing
   * @param sampleRatio share of new traces recorded, 0..1
   */
  public static Telemetry create(PrometheusRegistry registry, Optional<URI> otlpEndpoint, double sampleRatio,
      String version) {
    requireNonNull(registry, "registry is null");
    Resource resource = Resource.getDefault().merge(Resource.create(Attributes.builder()
        .put("service.name", "counter-server")
        .put("service.version", version)
        .build()));
    PrometheusMetricReader reader = PrometheusMetricReader.create();
    registry.register(reader);
    OpenTelemetrySdkBuilder builder = OpenTelemetrySdk.builder()
        .setMeterProvider(SdkMeterProvider.builder().setResource(resource).registerMetricReader(reader).build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()));
    if (otlpEndpoint.isPresent()) {
      String traces = otlpEndpoint.get().toString().replaceAll("/+$", "") + "/v1/traces";
      builder.setTracerProvider(SdkTracerProvider.builder()
          .setResource(resource)
          .setSampler(Sampler.parentBased(Sampler.traceIdRatioBased(sampleRatio)))
          .addSpanProcessor(BatchSpanProcessor.builder(OtlpHttpSpanExporter.builder().setEndpoint(traces)
              .setTimeout(Duration.ofSeconds(5)).build()).build())
          .build());
      log.info("tracing: spans of calls and flushes to {} (OTLP/HTTP), new traces sampled at {}", traces, sampleRatio);
    }
    return new Telemetry(builder.build(), otlpEndpoint.isPresent());
  }

  /** The SDK, for grpc-java's OpenTelemetry module. */
  public OpenTelemetry openTelemetry() {
    return sdk;
  }

  /** Whether spans are recorded and exported at all. */
  public boolean tracing() {
    return tracing;
  }

  Tracer tracer() {
    return sdk.getTracer(INSTRUMENTATION);
  }

  /** Exports what is buffered (spans of the drain included) and stops. */
  @Override
  public void close() {
    sdk.shutdown().join(5, TimeUnit.SECONDS);
  }
}
