package dev.counter.server.grpc;

import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts the unary counter-service calls in flight, so a drain can wait for them and then cancel
 * the long-lived streams that would otherwise hold shutdown for the whole grace period (Watch
 * streams, health watches, reflection sessions). Thread-safe.
 */
public final class InFlightCalls implements ServerInterceptor {
  private final AtomicInteger inFlight = new AtomicInteger();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition idle = lock.newCondition();

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
    if (inFlight.decrementAndGet() == 0) {
      lock.lock();
      try {
        idle.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  /** Calls currently in flight. */
  public int count() {
    return inFlight.get();
  }

  /** Waits until no call is in flight, at most {@code timeout}; returns true when idle. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    long nanos = timeout.toNanos();
    lock.lock();
    try {
      while (inFlight.get() > 0) {
        if (nanos <= 0) {
          return false;
        }
        nanos = idle.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
