package dev.counter.server.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;

/**
 * Makes a request that is not valid protobuf for its method (bad bytes, invalid UTF-8 in a
 * string field) fail with INVALID_ARGUMENT ({@code MALFORMED_REQUEST}) rather than gRPC's
 * {@code UNKNOWN: Application error processing RPC}. gRPC turns any exception of a request
 * marshaller into UNKNOWN, so the wrapped marshaller does not throw: it hands the handler an
 * empty request marked with a reserved unknown field holding the parse error, and the handler
 * answers with {@link #problem}. The service's schema is kept, so reflection still describes it.
 */
final class MalformedRequests {
  /** The highest field number protobuf allows; never used by the contract. */
  private static final int MARK = 536_870_911;

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

  /** The error for a request that arrived malformed, or null for a well-formed one. */
  @Nullable
  static ServiceError problem(Message request) {
    UnknownFieldSet unknown = request.getUnknownFields();
    if (!unknown.hasField(MARK)) {
      return null;
    }
    List<ByteString> texts = unknown.getField(MARK).getLengthDelimitedList();
    String detail = texts.isEmpty() ? "unparseable" : texts.get(0).toStringUtf8();
    return ServiceError.of(ErrorReason.MALFORMED_REQUEST, "the request is not a valid message: " + detail);
  }

  private static <Q, R> ServerMethodDefinition<Q, R> wrap(ServerMethodDefinition<Q, R> method) {
    MethodDescriptor<Q, R> descriptor = method.getMethodDescriptor();
    if (!(descriptor.getRequestMarshaller() instanceof MethodDescriptor.PrototypeMarshaller<Q> requests)
        || !(requests.getMessagePrototype() instanceof Message prototype)) {
      return method;
    }
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
              String detail = String.valueOf(e.getStatus().getDescription());
              return (Q) prototype.toBuilder().setUnknownFields(UnknownFieldSet.newBuilder()
                  .addField(MARK, UnknownFieldSet.Field.newBuilder()
                      .addLengthDelimited(ByteString.copyFromUtf8(detail)).build())
                  .build()).build();
            }
          }
        })
        .build();
    return ServerMethodDefinition.create(wrapped, method.getServerCallHandler());
  }
}
