package dev.counter.cli.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What a load with a window saw per counter and period (by the period each reply names): the
 * increments offered and decided, and those admitted (applied). Plus, per counter, calls that
 * ended without saying (their period is unknown, so that counter's periods cannot be checked
 * exactly). Thread-safe.
 */
final class WindowLedger {
  /** Offered and admitted in one period of one counter. */
  static final class Period {
    final AtomicLong offered = new AtomicLong();
    final AtomicLong admitted = new AtomicLong();
  }

  private final Map<Integer, Map<Long, Period>> periods = new ConcurrentHashMap<>();
  private final AtomicLongArray unknown;

  WindowLedger(int keys) {
    unknown = new AtomicLongArray(keys);
  }

  void decided(int key, long periodStartMillis, boolean admitted) {
    Period period = periods.computeIfAbsent(key, k -> new ConcurrentHashMap<>())
        .computeIfAbsent(periodStartMillis, start -> new Period());
    period.offered.incrementAndGet();
    if (admitted) {
      period.admitted.incrementAndGet();
    }
  }

  void unknown(int key) {
    unknown.incrementAndGet(key);
  }

  boolean anyUnknown(int key) {
    return unknown.get(key) != 0;
  }

  /** The periods seen for counter {@code key}, by start. */
  Map<Long, Period> periods(int key) {
    return periods.getOrDefault(key, Map.of());
  }

  Iterable<Integer> keysSeen() {
    return periods.keySet();
  }
}
