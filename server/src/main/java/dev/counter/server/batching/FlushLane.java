package dev.counter.server.batching;

import dev.counter.server.store.IncrementWrite;
import dev.counter.server.store.StoreUnavailableException;
import dev.counter.server.store.WriteResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The smart-batching loop of one lane. At most one flush of the lane is in flight; whatever
 * arrives meanwhile waits in {@link #queue} and goes out, all of it, when that flush completes.
 * The thread that finds the lane idle starts the flush itself, so a lone increment costs no
 * hand-off; later flushes start on the thread that completed the previous one.
 *
 * <p>Thread-safe: {@link #flushing} is the only lock, and whoever holds it owns
 * {@link #lastFlushStartNanos} and {@link #lastFlushSize}.
 */
final class FlushLane {
  private final SmartBatcher batcher;
  private final long lingerNanos;
  private final int lingerMinBatch;
  private final int lingerTargetBatch;
  /** Increments in {@link #queue} (approximately: updated after each add and drain). */
  private final AtomicInteger queued = new AtomicInteger();
  /** A lingering flush is waiting for its timer or for the queue to reach the target. */
  private final AtomicBoolean lingering = new AtomicBoolean();
  private final ConcurrentLinkedQueue<PendingIncrement> queue = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<PlannedWrite> dueResends = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean flushing = new AtomicBoolean();
  /** A deferred kick is pending on the flush trigger (so one burst schedules one task). */
  private final AtomicBoolean kickScheduled = new AtomicBoolean();
  /** The earliest deadline of a queued increment ({@link IncrementListener#NO_DEADLINE}: none). */
  private final AtomicLong earliestDeadline = new AtomicLong(IncrementListener.NO_DEADLINE);
  /** When the current linger ends ({@link System#nanoTime()}); meaningful while {@link #lingering}. */
  private volatile long lingerEndNanos;
  private long lastFlushStartNanos;
  private int lastFlushSize;

  /**
   * A linger ends this long before the earliest deadline it would otherwise hold an increment past:
   * time for the write itself and for a timer that fires a little late.
   */
  static final long DEADLINE_MARGIN_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

  FlushLane(SmartBatcher batcher, long lingerNanos, int lingerMinBatch, int lingerTargetBatch) {
    this.batcher = batcher;
    this.lingerNanos = lingerNanos;
    this.lingerMinBatch = lingerMinBatch;
    this.lingerTargetBatch = lingerTargetBatch;
  }

  void enqueue(PendingIncrement increment) {
    long deadline = increment.listener().deadlineNanos();
    if (deadline != IncrementListener.NO_DEADLINE) {
      earliestDeadline.accumulateAndGet(deadline, Math::min);
    }
    queue.add(increment);
    queued.incrementAndGet();
  }

  void resend(PlannedWrite write) {
    dueResends.add(write);
    kick();
  }

  /**
   * Called after an increment was queued: starts a flush through the flush trigger, so that
   * increments arriving in the same burst join it. Cheap when a flush is in flight already (its
   * completion picks the increment up).
   */
  void increments() {
    if (lingering.get() && (queued.get() >= lingerTargetBatch || deadlineBeforeLingerEnds())) {
      // Enough has gathered, or a caller cannot wait that long: stop lingering now.
      endLinger();
      return;
    }
    if (flushing.get() || !kickScheduled.compareAndSet(false, true)) {
      return;
    }
    batcher.trigger(() -> {
      kickScheduled.set(false);
      kick();
    });
  }

  /** Starts a flush unless one is in flight or there is nothing to write. */
  void kick() {
    // A flush that completed synchronously (say, the store refused it at once) loops here
    // instead of recursing, so a burst of instant failures cannot grow the stack.
    while (hasWork() && flushing.compareAndSet(false, true)) {
      // Linger only under load (the previous flush was big): a lone increment never waits.
      long now = System.nanoTime();
      long wait = lingerNanos == 0 || lastFlushSize < lingerMinBatch ? 0 : lastFlushStartNanos + lingerNanos - now;
      long deadline = earliestDeadline.get();
      if (wait > 0 && deadline != IncrementListener.NO_DEADLINE) {
        wait = Math.min(wait, deadline - DEADLINE_MARGIN_NANOS - now);
      }
      if (wait > 0 && queued.get() < lingerTargetBatch) {
        lingerEndNanos = now + wait;
        lingering.set(true);
        batcher.schedule(this::endLinger, wait, TimeUnit.NANOSECONDS);
        // Increments may have reached the target (or brought a deadline) before the flag was up.
        if (queued.get() >= lingerTargetBatch || deadlineBeforeLingerEnds()) {
          endLinger();
        }
        return;
      }
      if (!flushHeld()) {
        return;
      }
    }
  }

  /** A flush holds the lane and has taken everything queued: its write is out at the store. */
  boolean writeInFlight() {
    return flushing.get() && !lingering.get() && queue.isEmpty();
  }

  /** True when the linger would hold a queued increment past its deadline (less a margin for the write). */
  private boolean deadlineBeforeLingerEnds() {
    long deadline = earliestDeadline.get();
    return deadline != IncrementListener.NO_DEADLINE && deadline - DEADLINE_MARGIN_NANOS - lingerEndNanos < 0;
  }

  private boolean hasWork() {
    return !queue.isEmpty() || !dueResends.isEmpty();
  }

  /** Ends a linger, whichever comes first of its timer and a full enough queue; runs once. */
  private void endLinger() {
    if (lingering.compareAndSet(true, false) && flushHeld()) {
      kick();
    }
  }

  /**
   * Runs one flush while holding {@link #flushing}. Returns true when it completed synchronously
   * and the flag was released; otherwise its completion releases the flag and kicks again.
   */
  private boolean flushHeld() {
    lastFlushStartNanos = System.nanoTime();
    CompletableFuture<Void> done;
    try {
      done = flushOnce();
    } catch (RuntimeException | Error e) {
      flushing.set(false);
      throw e;
    }
    if (done.isDone()) {
      flushing.set(false);
      return true;
    }
    done.whenComplete((ignored, error) -> {
      flushing.set(false);
      kick();
    });
    return false;
  }

  private CompletableFuture<Void> flushOnce() {
    List<PlannedWrite> writes = new ArrayList<>();
    for (PlannedWrite resend; (resend = dueResends.poll()) != null; ) {
      writes.add(resend);
    }
    List<PendingIncrement> fresh = new ArrayList<>();
    // Reset before draining: a deadline enqueued meanwhile is kept (at worst for the next linger too).
    earliestDeadline.set(IncrementListener.NO_DEADLINE);
    for (PendingIncrement increment; (increment = queue.poll()) != null; ) {
      queued.decrementAndGet();
      if (!increment.buffered() && increment.listener().abandoned()) {
        batcher.dropAbandoned(increment);
      } else {
        fresh.add(increment);
      }
    }
    lastFlushSize = fresh.size();
    writes.addAll(batcher.planner().plan(fresh));
    if (writes.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<WriteResult>> results = send(writes);
    AtomicReference<Throwable> unanswered = new AtomicReference<>();
    CompletableFuture<?>[] handled = new CompletableFuture<?>[writes.size()];
    for (int i = 0; i < handled.length; i++) {
      PlannedWrite write = writes.get(i);
      // The store times its writes out itself; this only guards against one never completing.
      handled[i] = results.get(i).orTimeout(batcher.writeTimeoutNanos(), TimeUnit.NANOSECONDS).handle((result, error) -> {
        Throwable failure = batcher.complete(write, result, error);
        if (failure instanceof StoreUnavailableException outage && outage.unresponsive()) {
          unanswered.set(failure);
        }
        return null;
      });
    }
    return CompletableFuture.allOf(handled).thenRun(() -> {
      Throwable failure = unanswered.get();
      if (failure != null) {
        failQueuedDurable(failure);
      }
    });
  }

  /**
   * After a write the store never answered, the durable increments that queued up behind it fail
   * at once (UNAVAILABLE, nothing applied) instead of going out into the same silence and waiting
   * for a second timeout. Buffered ones stay queued: they are resent until Redis is back.
   */
  private void failQueuedDurable(Throwable failure) {
    List<PendingIncrement> keep = new ArrayList<>();
    for (int n = queued.get(); n > 0; n--) {
      PendingIncrement increment = queue.poll();
      if (increment == null) {
        break;
      }
      queued.decrementAndGet();
      if (increment.buffered()) {
        keep.add(increment);
      } else if (increment.listener().abandoned()) {
        batcher.dropAbandoned(increment);
      } else {
        batcher.failUnsent(increment, failure);
      }
    }
    keep.forEach(this::enqueue);
  }

  private List<CompletableFuture<WriteResult>> send(List<PlannedWrite> writes) {
    List<IncrementWrite> storeWrites = new ArrayList<>(writes.size());
    for (PlannedWrite write : writes) {
      storeWrites.add(write.write());
    }
    try {
      return batcher.store().write(storeWrites);
    } catch (RuntimeException e) {
      List<CompletableFuture<WriteResult>> failed = new ArrayList<>(writes.size());
      for (int i = 0; i < writes.size(); i++) {
        failed.add(CompletableFuture.failedFuture(e));
      }
      return failed;
    }
  }
}
