package dev.counter.cli;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;

/** Renders a failed call as one line: {@code error: INVALID_ARGUMENT: name must not be empty [NAME_REQUIRED]}. */
final class StatusLine {
  private StatusLine() {}

  static String format(StatusRuntimeException error) {
    StringBuilder line = new StringBuilder("error: ").append(error.getStatus().getCode());
    String description = error.getStatus().getDescription();
    if (description != null && !description.isBlank()) {
      line.append(": ").append(description.replace('\n', ' '));
    }
    Throwable cause = error.getStatus().getCause();
    if (cause != null && cause.getMessage() != null) {
      line.append(" (").append(cause.getMessage().replace('\n', ' ')).append(')');
    }
    com.google.rpc.Status details = StatusProto.fromThrowable(error);
    if (details != null) {
      for (Any detail : details.getDetailsList()) {
        if (detail.is(ErrorInfo.class)) {
          try {
            line.append(" [").append(detail.unpack(ErrorInfo.class).getReason()).append(']');
          } catch (InvalidProtocolBufferException ignored) {
            // a malformed detail adds nothing to the line
          }
        }
      }
    }
    return line.toString();
  }
}
