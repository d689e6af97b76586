package dev.counter.server.telemetry;

import static java.util.Objects.requireNonNull;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * One SERVER span per call, a child of the caller's span when the request carries W3C trace
 * context ({@code traceparent}), named {@code counter.v1.CounterService/Increment} and so on, with
 * the gRPC status code. The span is current while the handler runs (listener callbacks), so work
 * the handler starts on that thread is attributed to it.
 */
public final class TracingInterceptor implements ServerInterceptor {
  private static final TextMapGetter<Metadata> HEADERS = new TextMapGetter<>() {
    @Override
    public Iterable<String> keys(Metadata metadata) {
      return metadata.keys();
    }

    @Override
    public String get(Metadata metadata, String key) {
      return metadata == null ? null : metadata.get(Metadata.Key.of(key, Metadata.ASCII_STRING_MARSHALLER));
    }
  };

  private final Tracer tracer;
  private final TextMapPropagator propagator;

  public TracingInterceptor(Telemetry telemetry) {
    requireNonNull(telemetry, "telemetry is null");
    this.tracer = telemetry.tracer();
    this.propagator = telemetry.openTelemetry().getPropagators().getTextMapPropagator();
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    String fullMethod = call.getMethodDescriptor().getFullMethodName();
    Context parent = propagator.extract(Context.root(), headers, HEADERS);
    Span span = tracer.spanBuilder(fullMethod)
        .setParent(parent)
        .setSpanKind(SpanKind.SERVER)
        .setAttribute("rpc.system", "grpc")
        .setAttribute("rpc.service", call.getMethodDescriptor().getServiceName())
        .setAttribute("rpc.method", call.getMethodDescriptor().getBareMethodName())
        .startSpan();
    Context context = parent.with(span);
    ServerCall<Q, R> traced = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        span.setAttribute("rpc.grpc.status_code", status.getCode().value());
        if (!status.isOk()) {
          span.setStatus(StatusCode.ERROR, status.getCode().name());
        }
        span.end();
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<Q> listener;
    try (Scope ignored = context.makeCurrent()) {
      listener = next.startCall(traced, headers);
    }
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onMessage(Q message) {
        try (Scope ignored = context.makeCurrent()) {
          super.onMessage(message);
        }
      }

      @Override
      public void onHalfClose() {
        try (Scope ignored = context.makeCurrent()) {
          super.onHalfClose();
        }
      }

      @Override
      public void onCancel() {
        // The call ended without close(): a cancelled or expired call.
        span.setStatus(StatusCode.ERROR, "CANCELLED");
        span.end();
        super.onCancel();
      }
    };
  }
}
