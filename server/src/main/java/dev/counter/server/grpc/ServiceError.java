package dev.counter.server.grpc;

import static java.util.Objects.requireNonNull;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import dev.counter.v1.ItemError;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.util.Map;

/**
 * One error of this service: a reason, a developer-facing message naming the field and limit,
 * and ErrorInfo metadata. Renders as a gRPC status (AIP-193: {@code google.rpc.Status} with an
 * {@code ErrorInfo} detail) or as a batch item's {@link ItemError}.
 */
public record ServiceError(ErrorReason reason, String message, Map<String, String> metadata) {
  public ServiceError {
    requireNonNull(reason, "reason is null");
    requireNonNull(message, "message is null");
    metadata = Map.copyOf(metadata);
  }

  public static ServiceError of(ErrorReason reason, String message) {
    return new ServiceError(reason, message, Map.of());
  }

  /** An INVALID_ARGUMENT naming {@code field} and its {@code limit}. */
  public static ServiceError invalid(ErrorReason reason, String field, String message, String limit) {
    return new ServiceError(reason, message, Map.of("field", field, "limit", limit));
  }

  public StatusRuntimeException toException() {
    ErrorInfo info = ErrorInfo.newBuilder()
        .setReason(reason.name())
        .setDomain(ErrorReason.DOMAIN)
        .putAllMetadata(metadata)
        .build();
    com.google.rpc.Status status = com.google.rpc.Status.newBuilder()
        .setCode(reason.code().value())
        .setMessage(message)
        .addDetails(Any.pack(info))
        .build();
    return StatusProto.toStatusRuntimeException(status);
  }

  public ItemError toItemError() {
    return ItemError.newBuilder()
        .setCode(reason.code().value())
        .setMessage(message)
        .setReason(reason.name())
        .build();
  }
}
