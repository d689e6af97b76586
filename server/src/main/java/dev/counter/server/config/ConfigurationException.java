package dev.counter.server.config;

/**
 * A configuration mistake found while starting: its message is the one line an operator sees
 * (what is wrong, and the flag that sets it), so it carries no stack trace.
 */
public final class ConfigurationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigurationException(String message) {
    super(message, null, false, false);
  }
}
