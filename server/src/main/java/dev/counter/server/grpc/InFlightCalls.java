package dev.counter.server.grpc;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts the unary counter-service calls in flight (a gauge, and the drain's report of calls it
 * had to cut). Thread-safe.
 */
public final class InFlightCalls implements ServerInterceptor {
  private final AtomicInteger inFlight = new AtomicInteger();

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (call.getMethodDescriptor().getType() != MethodDescriptor.MethodType.UNARY) {
      return next.startCall(call, headers);
    }
    inFlight.incrementAndGet();
    ServerCall.Listener<Q> delegate;
    try {
      delegate = next.startCall(call, headers);
    } catch (RuntimeException e) {
      finished();
      throw e;
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      private boolean done;

      @Override
      public void onComplete() {
        try {
          super.onComplete();
        } finally {
          finishOnce();
        }
      }

      @Override
      public void onCancel() {
        try {
          super.onCancel();
        } finally {
          finishOnce();
        }
      }

      private void finishOnce() {
        if (!done) {
          done = true;
          finished();
        }
      }
    };
  }

  private void finished() {
    inFlight.decrementAndGet();
  }

  /** Calls currently in flight. */
  public int count() {
    return inFlight.get();
  }
}
