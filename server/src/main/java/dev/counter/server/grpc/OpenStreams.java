package dev.counter.server.grpc;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Tracks the streaming calls of every service on the port (Watch, health watches, reflection
 * sessions), so a drain can end them with UNAVAILABLE, a status every client retries on another
 * node, instead of cutting them with the connection. Unary calls are not tracked: they end by
 * themselves, and a drain waits for them.
 *
 * <p>A tracked call's outbound side is serialized by a lock, because the drain closes it from its
 * own thread while the service may be sending on it; after the drain's close, the service's own
 * messages and close are dropped.
 */
public final class OpenStreams implements ServerInterceptor {
  private final Set<ClosableCall<?, ?>> open = ConcurrentHashMap.newKeySet();
  private volatile StatusRuntimeException drainError;

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
      ServerCallHandler<Q, R> next) {
    if (call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY) {
      return next.startCall(call, headers);
    }
    StatusRuntimeException draining = drainError;
    if (draining != null) {
      call.close(draining.getStatus(), trailers(draining));
      return new ServerCall.Listener<>() {};
    }
    ClosableCall<Q, R> closable = new ClosableCall<>(call);
    open.add(closable);
    // Re-checked after registering: drain() sets the error, then closes what is registered.
    draining = drainError;
    if (draining != null) {
      closable.closeForDrain(draining);
    }
    ServerCall.Listener<Q> delegate;
    try {
      delegate = next.startCall(closable, headers);
    } catch (RuntimeException e) {
      open.remove(closable);
      throw e;
    }
    return new SimpleForwardingServerCallListener<>(delegate) {
      @Override
      public void onComplete() {
        open.remove(closable);
        super.onComplete();
      }

      @Override
      public void onCancel() {
        open.remove(closable);
        super.onCancel();
      }
    };
  }

  /** Ends every open stream, and every stream started from now on, with {@code error}. */
  public void drain(ServiceError error) {
    StatusRuntimeException status = error.toException();
    drainError = status;
    for (ClosableCall<?, ?> call : open) {
      call.closeForDrain(status);
    }
  }

  /** A fresh copy of the error's trailers: the transport adds to the trailers it is given. */
  private static Metadata trailers(StatusRuntimeException error) {
    Metadata trailers = new Metadata();
    if (error.getTrailers() != null) {
      trailers.merge(error.getTrailers());
    }
    return trailers;
  }

  /** Streams currently open. */
  public int count() {
    return open.size();
  }

  /** A server call that a second thread may close; once closed, further sends are dropped. */
  private static final class ClosableCall<Q, R> extends SimpleForwardingServerCall<Q, R> {
    private boolean closed;

    ClosableCall(ServerCall<Q, R> call) {
      super(call);
    }

    @Override
    public synchronized void sendHeaders(Metadata headers) {
      if (!closed) {
        super.sendHeaders(headers);
      }
    }

    @Override
    public synchronized void sendMessage(R message) {
      if (!closed) {
        super.sendMessage(message);
      }
    }

    @Override
    public synchronized void close(Status status, Metadata trailers) {
      if (!closed) {
        closed = true;
        super.close(status, trailers);
      }
    }

    synchronized void closeForDrain(StatusRuntimeException error) {
      close(error.getStatus(), trailers(error));
    }
  }
}
