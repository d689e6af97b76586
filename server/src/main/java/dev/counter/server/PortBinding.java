package dev.counter.server;

import dev.counter.server.config.ConfigurationException;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Turns a failure to bind a listening port into what an operator can act on: the port, what it
 * is for and the flag that sets it. Netty and the JDK report "Address already in use" without
 * saying which of a node's ports it was.
 */
final class PortBinding {
  private PortBinding() {}

  /**
   * @param what the port's purpose, e.g. "gRPC"
   * @param address where it was bound, e.g. "0.0.0.0:9090"
   * @param flags the flags (and environment variables) that choose it
   */
  static RuntimeException failure(String what, String address, String flags, IOException error) {
    String cause = causeMessages(error);
    if (cause.contains("Address already in use")) {
      return new ConfigurationException(what + " port " + address + " is already in use (another counter-server "
          + "or another program listens there); choose a free one with " + flags);
    }
    if (cause.contains("Cannot assign requested address") || cause.contains("unresolved")) {
      return new ConfigurationException("cannot listen on " + address + " for " + what
          + ": not an address of this machine; check " + flags);
    }
    if (cause.contains("Permission denied")) {
      return new ConfigurationException(what + " port " + address + " needs privileges this process lacks; choose a "
          + "port above 1023 with " + flags);
    }
    return new UncheckedIOException("cannot listen on " + address + " for " + what, error);
  }

  private static String causeMessages(Throwable error) {
    StringBuilder messages = new StringBuilder();
    for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      messages.append(cause.getMessage()).append('\n');
    }
    return messages.toString();
  }
}
