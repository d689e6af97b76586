package dev.counter.server.grpc;

import dev.counter.server.store.StoreUnavailableException;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Maps a store or batcher failure to the error a caller sees. */
final class StoreFailures {
  private static final Logger log = LoggerFactory.getLogger(StoreFailures.class);

  private StoreFailures() {}

  static ServiceError toError(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof StoreUnavailableException) {
      return ServiceError.of(ErrorReason.STORE_UNAVAILABLE, cause.getMessage()
          + "; a durable increment may or may not have been applied: retry it with the same request_id");
    }
    log.error("unexpected failure serving a call", cause);
    return ServiceError.of(ErrorReason.INTERNAL_ERROR, "internal error; see the server log");
  }
}
