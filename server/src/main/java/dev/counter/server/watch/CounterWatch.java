package dev.counter.server.watch;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;

/**
 * The watchers of one counter on this node and the single poll that serves all of them, every
 * smallest {@code min_interval} among them. Mutated only on the hub's thread.
 */
final class CounterWatch {
  final String name;
  final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  ScheduledFuture<?> poll;
  long pollIntervalNanos = Long.MAX_VALUE;
  boolean polling;
  /** The value of the last completed read. */
  long latestValue;

  CounterWatch(String name) {
    this.name = name;
  }

  /** The poll interval that serves every current subscriber. */
  long wantedIntervalNanos() {
    long shortest = Long.MAX_VALUE;
    for (Subscriber subscriber : subscribers) {
      shortest = Math.min(shortest, subscriber.minIntervalNanos);
    }
    return shortest;
  }

  /** One watcher, with what it was last sent and when. */
  static final class Subscriber {
    final Watcher watcher;
    final long minIntervalNanos;
    boolean sentAny;
    long lastValue;
    /** When the last message was sent. */
    long lastSentNanos;
    /** A send is scheduled for when the interval since the last one is over. */
    boolean deferred;

    Subscriber(Watcher watcher, Duration minInterval) {
      this.watcher = watcher;
      this.minIntervalNanos = minInterval.toNanos();
    }
  }
}
