package dev.counter.server.store;

/**
 * The store could not complete an operation: unreachable, timing out, failing over or not ready.
 * For writes, the operation may or may not have been applied.
 */
public final class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }

  public StoreUnavailableException(String message) {
    super(message);
  }
}
