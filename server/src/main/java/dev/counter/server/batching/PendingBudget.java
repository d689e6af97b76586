package dev.counter.server.batching;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Counts pending increments against a fixed bound, so the memory the batcher holds stays bounded
 * whatever the load. Thread-safe.
 */
final class PendingBudget {
  private final long limit;
  private final AtomicLong used = new AtomicLong();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition emptied = lock.newCondition();
  /** A drain waits for the budget to empty: only then does a release that empties it signal. */
  private volatile boolean awaited;

  PendingBudget(long limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive, was " + limit);
    }
    this.limit = limit;
  }

  /** Takes {@code n} units if all of them fit under the bound. */
  boolean tryAcquire(int n) {
    long current;
    do {
      current = used.get();
      if (current + n > limit) {
        return false;
      }
    } while (!used.compareAndSet(current, current + n));
    return true;
  }

  /** Gives {@code n} units back. */
  void release(int n) {
    if (used.addAndGet(-n) == 0 && awaited) {
      lock.lock();
      try {
        emptied.signalAll();
      } finally {
        lock.unlock();
      }
    }
  }

  long used() {
    return used.get();
  }

  /** Waits until nothing is pending or {@code nanos} pass; returns true when empty. */
  boolean awaitEmpty(long nanos) throws InterruptedException {
    awaited = true;
    lock.lock();
    try {
      while (used.get() != 0) {
        if (nanos <= 0) {
          return false;
        }
        nanos = emptied.awaitNanos(nanos);
      }
      return true;
    } finally {
      lock.unlock();
    }
  }
}
