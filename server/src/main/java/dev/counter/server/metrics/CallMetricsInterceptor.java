package dev.counter.server.metrics;

import static java.util.Objects.requireNonNull;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import jakarta.inject.Inject;

/** Counts calls by method and status and times them, from start until the status is sent. */
public final class CallMetricsInterceptor implements ServerInterceptor {
  private final ServerMetrics metrics;

  @Inject
  public CallMetricsInterceptor(ServerMetrics metrics) {
    this.metrics = requireNonNull(metrics, "metrics is null");
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    long start = System.nanoTime();
    ServerMetrics.CallSeries series = metrics.callSeries(call.getMethodDescriptor().getBareMethodName());
    return next.startCall(new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        series.record(status.getCode().name(), System.nanoTime() - start);
        super.close(status, trailers);
      }
    }, headers);
  }
}
