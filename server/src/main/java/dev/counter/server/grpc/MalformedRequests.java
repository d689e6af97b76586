package dev.counter.server.grpc;

import com.google.protobuf.Message;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * Makes a request that cannot be read as its method's message fail with a clear status rather
 * than gRPC's {@code UNKNOWN: Application error processing RPC} (gRPC turns any exception of a
 * request marshaller into that): INVALID_ARGUMENT ({@code MALFORMED_REQUEST}) for bytes that are
 * not valid protobuf (or invalid UTF-8 in a string field), RESOURCE_EXHAUSTED
 * ({@code REQUEST_TOO_LARGE}) for a compressed request that inflates past the size limit.
 *
 * <p>The wrapped marshaller does not throw: it returns a fresh empty message and leaves the
 * error, keyed by that very instance, for the wrapped call handler, which gRPC invokes with the
 * parsed message on the same thread right after parsing. The handler closes the call with the
 * error and never hands the message to the service. Well-formed requests pass untouched, unknown
 * fields included (ignored, as protobuf says, whatever their number). The service's schema is
 * kept, so reflection still describes it.
 */
final class MalformedRequests {
  /** The last parse failure on this thread and the placeholder message it produced. */
  private static final ThreadLocal<Failure> LAST_FAILURE = new ThreadLocal<>();

  private record Failure(Object placeholder, ServiceError error) {}

  private MalformedRequests() {}

  static ServerServiceDefinition rejectAsInvalidArgument(ServerServiceDefinition definition) {
    ServiceDescriptor original = definition.getServiceDescriptor();
    List<ServerMethodDefinition<?, ?>> methods = new ArrayList<>();
    ServiceDescriptor.Builder descriptor = ServiceDescriptor.newBuilder(original.getName())
        .setSchemaDescriptor(original.getSchemaDescriptor());
    for (ServerMethodDefinition<?, ?> method : definition.getMethods()) {
      ServerMethodDefinition<?, ?> wrapped = wrap(method);
      methods.add(wrapped);
      descriptor.addMethod(wrapped.getMethodDescriptor());
    }
    ServerServiceDefinition.Builder builder = ServerServiceDefinition.builder(descriptor.build());
    methods.forEach(builder::addMethod);
    return builder.build();
  }

  /** The error a client sees for a request gRPC could not read. No request bytes appear in it. */
  static ServiceError errorFor(Status parseFailure, String messageName) {
    if (parseFailure.getCode() == Status.Code.RESOURCE_EXHAUSTED) {
      return ServiceError.of(ErrorReason.REQUEST_TOO_LARGE, "the request is larger than this server accepts once "
          + "decompressed (--max-message-size): " + parseFailure.getDescription());
    }
    return ServiceError.of(ErrorReason.MALFORMED_REQUEST, "the request is not a valid " + messageName + " message: "
        + parseFailure.getDescription());
  }

  private static <Q, R> ServerMethodDefinition<Q, R> wrap(ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
    if (!(descriptor.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> requests)
        || !(requests.getMessagePrototype() instanceof Message prototype)) {
      return method;
    }
    String messageName = prototype.getDescriptorForType().getFullName();
    MethodDescriptor<Q, R> wrapped = descriptor.toBuilder()
        .setRequestMarshaller(new MethodDescriptor.PrototypeMarshaller<Q>() {
          @Override
          public Q getMessagePrototype() {
            return requests.getMessagePrototype();
          }

          @Override
          public Class<Q> getMessageClass() {
            return requests.getMessageClass();
          }

          @Override
          public InputStream stream(Q value) {
            return requests.stream(value);
          }

          @Override
          @SuppressWarnings("unchecked")
          public Q parse(InputStream stream) {
            try {
              return requests.parse(stream);
            } catch (StatusRuntimeException e) {
              // A new instance (never the shared default one), so the handler can tell it by identity.
              Q placeholder = (Q) prototype.newBuilderForType().build();
              LAST_FAILURE.set(new Failure(placeholder, errorFor(e.getStatus(), messageName)));
              return placeholder;
            }
          }
        })
        .build();
    return ServerMethodDefinition.create(wrapped, rejecting(method.getServerCallHandler()));
  }

  private static <Q, R> ServerCallHandler<Q, R> rejecting(ServerCallHandler<Q, R> handler) {
    return (call, headers) -> new SimpleForwardingServerCallListener<>(handler.startCall(call, headers)) {
      private boolean rejected;

      @Override
      public void onMessage(Q message) {
        Failure failure = LAST_FAILURE.get();
        if (failure != null && failure.placeholder() == message) {
          LAST_FAILURE.remove();
          rejected = true;
          StatusRuntimeException error = failure.error().toException();
          Metadata trailers = error.getTrailers();
          call.close(error.getStatus(), trailers == null ? new Metadata() : trailers);
          return;
        }
        if (!rejected) {
          super.onMessage(message);
        }
      }

      @Override
      public void onHalfClose() {
        if (!rejected) {
          super.onHalfClose();
        }
      }

      @Override
      public void onReady() {
        if (!rejected) {
          super.onReady();
        }
      }
    };
  }
}
