package dev.counter.server.store;

/**
 * The store could not complete an operation: unreachable, timing out, failing over or not ready.
 * For writes, the operation may or may not have been applied.
 */
public final class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final boolean unresponsive;

  /** The store answered that it cannot serve this now (failing over, loading, a slot moving). */
  public StoreUnavailableException(String message, Throwable cause) {
    this(message, cause, false);
  }

  public StoreUnavailableException(String message) {
    this(message, null, false);
  }

  private StoreUnavailableException(String message, Throwable cause, boolean unresponsive) {
    super(message, cause);
    this.unresponsive = unresponsive;
  }

  /**
   * The store did not answer at all (a timeout, a lost connection): whatever waits behind this
   * operation on the same connection will not be answered sooner.
   */
  public static StoreUnavailableException unresponsive(String message, Throwable cause) {
    return new StoreUnavailableException(message, cause, true);
  }

  /** True when the store did not answer, rather than answering "not now". */
  public boolean unresponsive() {
    return unresponsive;
  }
}
