package dev.counter.server;

import com.google.inject.CreationException;
import com.google.inject.ProvisionException;
import com.google.inject.spi.Message;
import dev.counter.server.config.ConfigurationException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.Set;

/**
 * Finds the configuration mistake behind a failed start, wherever it was thrown: Guice wraps
 * an exception from a provider once per binding that needed it (a data directory in use came out
 * as a 1,890-line dump), and Netty or Lettuce nest theirs several causes deep.
 */
final class StartupFailure {
  private StartupFailure() {}

  static Optional<ConfigurationException> configurationMistake(Throwable failure) {
    Deque<Throwable> pending = new ArrayDeque<>();
    Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    pending.add(failure);
    while (!pending.isEmpty()) {
      Throwable error = pending.poll();
      if (!seen.add(error)) {
        continue;
      }
      if (error instanceof ConfigurationException mistake) {
        return Optional.of(mistake);
      }
      if (error instanceof CreationException creation) {
        creation.getErrorMessages().stream().map(Message::getCause).filter(cause -> cause != null).forEach(pending::add);
      }
      if (error instanceof ProvisionException provision) {
        provision.getErrorMessages().stream().map(Message::getCause).filter(cause -> cause != null).forEach(pending::add);
      }
      if (error.getCause() != null) {
        pending.add(error.getCause());
      }
      for (Throwable suppressed : error.getSuppressed()) {
        pending.add(suppressed);
      }
    }
    return Optional.empty();
  }
}
