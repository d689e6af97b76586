package dev.counter.server.watch;

/** Ends a watcher's interest; idempotent and cheap. */
@FunctionalInterface
public interface WatchSubscription {
  void cancel();
}
