package dev.counter.server.grpc;

import dev.counter.server.store.StoreUnavailableException;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps a store or batcher failure to the error a caller sees. */
final class StoreFailures {
  private static final Logger log = LoggerFactory.getLogger(StoreFailures.class);

  /** What failed, which decides what the caller is told to do about it. */
  enum Operation {
    INCREMENT("a durable increment may or may not have been applied: retry it with the same request_id"),
    READ("nothing was changed: retry the read"),
    RESET("the reset may or may not have been applied: read the counter before deciding to reset again"),
    DELETE("the delete may or may not have been applied: read the counter before deciding to delete again");

    private final String advice;

    Operation(String advice) {
      this.advice = advice;
    }
  }

  private StoreFailures() {}

  static ServiceError toError(Throwable error, Operation operation) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof StoreUnavailableException) {
      return ServiceError.of(ErrorReason.STORE_UNAVAILABLE, cause.getMessage() + "; " + operation.advice);
    }
    if (cause instanceof ArithmeticException) {
      return new ServiceError(ErrorReason.COUNTER_OVERFLOW, "the sum asked for leaves the int64 range",
          java.util.Map.of("limit", "int64"));
    }
    log.error("unexpected failure serving a call", cause);
    return ServiceError.of(ErrorReason.INTERNAL_ERROR, "internal error; see the server log");
  }
}
