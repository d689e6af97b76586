package dev.counter.cli.bench;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * What the load test knows about each counter: the sum of acknowledged deltas, and the deltas
 * of calls that failed without saying whether they were applied (UNAVAILABLE, DEADLINE_EXCEEDED,
 * ...). The server's value must lie in {@code acknowledged + [negative unknown, positive unknown]};
 * with no unknown outcomes it must equal the acknowledged sum exactly. Thread-safe.
 */
final class Ledger {
  private final AtomicLongArray acknowledged;
  private final AtomicLongArray unknownPositive;
  private final AtomicLongArray unknownNegative;

  Ledger(int keys) {
    acknowledged = new AtomicLongArray(keys);
    unknownPositive = new AtomicLongArray(keys);
    unknownNegative = new AtomicLongArray(keys);
  }

  void acknowledged(int key, long delta) {
    acknowledged.addAndGet(key, delta);
  }

  void unknown(int key, long delta) {
    if (delta > 0) {
      unknownPositive.addAndGet(key, delta);
    } else {
      unknownNegative.addAndGet(key, delta);
    }
  }

  int keys() {
    return acknowledged.length();
  }

  long acknowledged(int key) {
    return acknowledged.get(key);
  }

  long lowest(int key) {
    return acknowledged.get(key) + unknownNegative.get(key);
  }

  long highest(int key) {
    return acknowledged.get(key) + unknownPositive.get(key);
  }

  /** The sum of acknowledged deltas over all counters (the number of increments when every delta is 1). */
  long totalAcknowledged() {
    long total = 0;
    for (int k = 0; k < keys(); k++) {
      total += acknowledged.get(k);
    }
    return total;
  }

  boolean anyUnknown() {
    for (int k = 0; k < keys(); k++) {
      if (unknownPositive.get(k) != 0 || unknownNegative.get(k) != 0) {
        return true;
      }
    }
    return false;
  }
}
