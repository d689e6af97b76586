package dev.counter.server.watch;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.CounterStore;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code Watch}: all watchers of one counter on this node share one Redis read per poll
 * interval (the smallest {@code min_interval} among them), whatever their number. Each watcher is
 * sent the latest value when it changed and its own interval has passed since its last message;
 * a watcher that cannot take a message (flow control) gets the latest value later instead of a
 * backlog. When the last watcher of a counter leaves, its poll stops.
 *
 * <p>Every state change happens on the hub's single thread; reads complete on store threads and
 * hop back to it.
 */
public final class WatchHub implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(WatchHub.class);

  private final CounterStore store;
  private final int maxWatchers;
  private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread hub = new Thread(runnable, "counter-watch");
    hub.setDaemon(true);
    return hub;
  });
  private final Map<String, CounterWatch> watches = new HashMap<>();
  private final AtomicInteger watchers = new AtomicInteger();
  private volatile boolean closed;

  public WatchHub(CounterStore store, int maxWatchers) {
    this.store = requireNonNull(store, "store is null");
    this.maxWatchers = maxWatchers;
  }

  /**
   * Subscribes {@code watcher} to counter {@code name}; its first message is the current value.
   *
   * @return the subscription, or null when the node already serves {@code maxWatchers} watchers
   *     or is shutting down
   */
  public WatchSubscription subscribe(String name, Duration minInterval, Watcher watcher) {
    if (closed || watchers.incrementAndGet() > maxWatchers) {
      watchers.decrementAndGet();
      return null;
    }
    CounterWatch.Subscriber subscriber = new CounterWatch.Subscriber(watcher, minInterval);
    try {
      thread.execute(() -> add(name, subscriber));
    } catch (RejectedExecutionException e) {
      watchers.decrementAndGet();
      return null;
    }
    boolean[] cancelled = new boolean[1];
    return () -> {
      synchronized (cancelled) {
        if (cancelled[0]) {
          return;
        }
        cancelled[0] = true;
      }
      try {
        thread.execute(() -> remove(name, subscriber));
      } catch (RejectedExecutionException closedHub) {
        // nothing left to clean up
      }
    };
  }

  /** Watchers currently subscribed. */
  public int watchers() {
    return watchers.get();
  }

  /** Counters currently polled. */
  int polledCounters() {
    return watches.size();
  }

  private void add(String name, CounterWatch.Subscriber subscriber) {
    CounterWatch watch = watches.computeIfAbsent(name, CounterWatch::new);
    watch.subscribers.add(subscriber);
    long wanted = watch.wantedIntervalNanos();
    if (watch.poll == null || wanted < watch.pollIntervalNanos) {
      reschedule(watch, wanted);
    }
    // The first message is due now, not at the next tick.
    poll(watch);
  }

  private void remove(String name, CounterWatch.Subscriber subscriber) {
    CounterWatch watch = watches.get(name);
    if (watch == null || !watch.subscribers.remove(subscriber)) {
      return;
    }
    watchers.decrementAndGet();
    if (watch.subscribers.isEmpty()) {
      watch.poll.cancel(false);
      watches.remove(name);
    } else if (watch.wantedIntervalNanos() > watch.pollIntervalNanos) {
      reschedule(watch, watch.wantedIntervalNanos());
    }
  }

  private void reschedule(CounterWatch watch, long intervalNanos) {
    if (watch.poll != null) {
      watch.poll.cancel(false);
    }
    watch.pollIntervalNanos = intervalNanos;
    watch.poll = thread.scheduleWithFixedDelay(() -> poll(watch), intervalNanos, intervalNanos, TimeUnit.NANOSECONDS);
  }

  private void poll(CounterWatch watch) {
    if (watch.polling) {
      return; // the previous read has not answered yet
    }
    watch.polling = true;
    store.get(watch.name).whenComplete((value, error) -> {
      try {
        thread.execute(() -> {
          watch.polling = false;
          if (error == null) {
            watch.latestValue = value;
            deliver(watch);
          }
        });
      } catch (RejectedExecutionException closedHub) {
        // shutting down
      }
    });
  }

  /**
   * Sends the latest value to each subscriber it is new for. Messages to one subscriber are
   * spaced by their send times, at least its {@code min_interval} apart; a change that arrives
   * sooner is sent the moment the interval is over (not at the next poll, which could be almost
   * a whole interval later), as the latest value then.
   */
  private void deliver(CounterWatch watch) {
    long now = System.nanoTime();
    for (CounterWatch.Subscriber subscriber : watch.subscribers) {
      if (subscriber.sentAny && subscriber.lastValue == watch.latestValue) {
        continue;
      }
      long wait = subscriber.sentAny ? subscriber.lastSentNanos + subscriber.minIntervalNanos - now : 0;
      if (wait > 0) {
        if (!subscriber.deferred) {
          try {
            thread.schedule(() -> sendDeferred(watch, subscriber), wait, TimeUnit.NANOSECONDS);
            subscriber.deferred = true;
          } catch (RejectedExecutionException closedHub) {
            return;
          }
        }
        continue;
      }
      send(subscriber, watch.latestValue, now);
    }
  }

  private void sendDeferred(CounterWatch watch, CounterWatch.Subscriber subscriber) {
    subscriber.deferred = false;
    if (watches.get(watch.name) == watch && watch.subscribers.contains(subscriber)
        && subscriber.lastValue != watch.latestValue) {
      send(subscriber, watch.latestValue, System.nanoTime());
    }
  }

  private static void send(CounterWatch.Subscriber subscriber, long value, long now) {
    // A watcher that cannot take a message now (flow control) gets the latest value at a later poll.
    if (!subscriber.watcher.isReady()) {
      return;
    }
    try {
      subscriber.watcher.send(value);
    } catch (RuntimeException e) {
      log.debug("a watcher went away while being sent a value", e);
      return;
    }
    subscriber.sentAny = true;
    subscriber.lastValue = value;
    subscriber.lastSentNanos = now;
  }

  /** Ends every watch (the node is draining); watchers are told to reconnect elsewhere. */
  @Override
  public void close() {
    closed = true;
    try {
      thread.submit(() -> {
        for (CounterWatch watch : watches.values()) {
          watch.poll.cancel(false);
          for (CounterWatch.Subscriber subscriber : watch.subscribers) {
            try {
              subscriber.watcher.close();
            } catch (RuntimeException e) {
              log.debug("closing a watcher", e);
            }
          }
        }
        watches.clear();
        watchers.set(0);
      }).get(5, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("could not end every watch: {}", e.toString());
    } finally {
      thread.shutdownNow();
    }
  }
}
