package dev.counter.server.telemetry;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.StoreMetrics;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import java.time.Instant;

/**
 * Store metrics that also record a span per flush ({@code counter.flush}: its writes, its
 * increments, how long until the last write completed). A flush carries increments of many calls
 * at once, so its span is a root of its own rather than a child of any one call's.
 */
public final class TracedStoreMetrics implements StoreMetrics {
  private final StoreMetrics delegate;
  private final Tracer tracer;

  public TracedStoreMetrics(StoreMetrics delegate, Telemetry telemetry) {
    this.delegate = requireNonNull(delegate, "delegate is null");
    this.tracer = requireNonNull(telemetry, "telemetry is null").tracer();
  }

  @Override
  public void flushed(int writes, int increments, long nanos) {
    delegate.flushed(writes, increments, nanos);
    Instant end = Instant.now();
    Span span = tracer.spanBuilder("counter.flush")
        .setNoParent()
        .setSpanKind(SpanKind.CLIENT)
        .setStartTimestamp(end.minusNanos(nanos))
        .setAttribute("db.system", "redis")
        .setAttribute("counter.flush.writes", writes)
        .setAttribute("counter.flush.increments", increments)
        .startSpan();
    span.end(end);
  }

  @Override
  public void failed(String operation, boolean unavailable) {
    delegate.failed(operation, unavailable);
  }
}
