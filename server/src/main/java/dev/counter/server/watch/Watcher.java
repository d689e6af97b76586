package dev.counter.server.watch;

/** One subscriber of a counter's value; called from the hub's thread, never concurrently. */
public interface Watcher {
  /** True when the subscriber can take a message now (flow control); otherwise it is skipped this time. */
  boolean isReady();

  /** Delivers a value. */
  void send(long value);

  /** Ends the subscription from the server side (shutdown). */
  void close();
}
