package dev.counter.server.store.redis;

import dev.counter.server.store.StoreUnavailableException;
import io.lettuce.core.RedisCommandExecutionException;
import java.util.concurrent.CompletionException;

/** Classifies Lettuce failures: transient ones become {@link StoreUnavailableException}. */
final class RedisErrors {
  /**
   * Error replies that mean "not now" rather than "wrong request": failing over (a WAIT of
   * --replica-acks is UNBLOCKED when its master is demoted; WAIT on a node that just became a
   * replica), loading, a slot moving, out of memory, or a Redis that cannot persist (MISCONF: a
   * full disk refuses writes while PING still answers).
   */
  private static final String[] TRANSIENT_REPLIES = {
    "LOADING", "READONLY", "MASTERDOWN", "CLUSTERDOWN", "TRYAGAIN", "BUSY", "NOREPLICAS", "OOM", "MOVED", "ASK",
    "UNBLOCKED", "MISCONF", "ERR WAIT cannot be used with replica instances"
  };

  private RedisErrors() {}

  /** The exception a caller of the store should see for {@code error}. */
  static Throwable classify(Throwable error) {
    Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof StoreUnavailableException || cause instanceof IllegalArgumentException) {
      // An outage already, or a caller's mistake (a foreign page token, say): not an outage.
      return cause;
    }
    if (cause instanceof RedisCommandExecutionException reply && !isTransient(reply.getMessage())) {
      // A script or protocol error is a bug on our side, not an outage.
      return new IllegalStateException("Redis rejected a command: " + reply.getMessage(), reply);
    }
    if (cause instanceof RedisCommandExecutionException) {
      // Redis answered: failing over, loading, a slot moving.
      return new StoreUnavailableException("Redis is unavailable: " + describe(cause), cause);
    }
    // No answer: a timeout or a lost connection.
    return StoreUnavailableException.unresponsive("Redis is unavailable: " + describe(cause), cause);
  }

  private static boolean isTransient(String message) {
    if (message == null) {
      return false;
    }
    for (String prefix : TRANSIENT_REPLIES) {
      if (message.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  private static String describe(Throwable cause) {
    String message = cause.getMessage();
    return message == null ? cause.getClass().getSimpleName() : message;
  }
}
