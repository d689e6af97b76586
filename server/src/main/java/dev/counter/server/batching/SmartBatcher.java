package dev.counter.server.batching;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.Decided;
import dev.counter.server.store.IncrementWriter;
import dev.counter.server.store.StoreUnavailableException;
import dev.counter.server.store.WriteResult;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link IncrementBatcher}: one {@link FlushLane} per store lane, a global bound on pending
 * increments, and resends of buffered increments whose write failed (durable ones fail to their
 * caller instead, who can retry with the same request id).
 */
public final class SmartBatcher implements IncrementBatcher, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SmartBatcher.class);

  private final IncrementWriter store;
  private final BatcherSettings settings;
  private final PendingBudget budget;
  private final WritePlanner planner;
  private final AtomicReferenceArray<FlushLane> lanes;
  private final ScheduledExecutorService timer;
  private final FlushTrigger trigger;
  private final BatcherMetrics metrics;
  private final RecentValues recent;
  private volatile boolean closed;

  public SmartBatcher(IncrementWriter store, BatcherSettings settings) {
    this(store, settings, FlushTrigger.IMMEDIATE, BatcherMetrics.NONE, new RecentValues(0));
  }

  /** @param recent told each counter's value after every flush, for bounded-staleness reads */
  public SmartBatcher(IncrementWriter store, BatcherSettings settings, FlushTrigger trigger, BatcherMetrics metrics,
      RecentValues recent) {
    this.recent = requireNonNull(recent, "recent is null");
    this.store = requireNonNull(store, "store is null");
    this.settings = requireNonNull(settings, "settings is null");
    this.trigger = requireNonNull(trigger, "trigger is null");
    this.metrics = requireNonNull(metrics, "metrics is null");
    this.budget = new PendingBudget(settings.maxPending());
    this.planner = new WritePlanner(store, settings.maxOpsPerWrite());
    this.lanes = new AtomicReferenceArray<>(store.laneCount());
    this.timer = Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, "counter-batcher-timer");
      thread.setDaemon(true);
      return thread;
    });
  }

  @Override
  public Admission offer(PendingIncrement increment) {
    if (closed) {
      return Admission.CLOSED;
    }
    if (!budget.tryAcquire(1)) {
      return Admission.BUFFER_FULL;
    }
    // Re-checked after acquiring: drain() sets closed, then waits for the budget to empty, so
    // either it sees this increment pending or this sees it closed.
    if (closed) {
      budget.release(1);
      return Admission.CLOSED;
    }
    metrics.accepted(1, increment.buffered());
    FlushLane lane = lane(increment.name());
    lane.enqueue(increment);
    lane.increments();
    return Admission.ACCEPTED;
  }

  @Override
  public Admission offerAll(List<PendingIncrement> increments) {
    if (increments.isEmpty()) {
      return Admission.ACCEPTED;
    }
    if (closed) {
      return Admission.CLOSED;
    }
    if (!budget.tryAcquire(increments.size())) {
      return Admission.BUFFER_FULL;
    }
    if (closed) {
      budget.release(increments.size());
      return Admission.CLOSED;
    }
    int buffered = 0;
    for (PendingIncrement increment : increments) {
      buffered += increment.buffered() ? 1 : 0;
    }
    metrics.accepted(buffered, true);
    metrics.accepted(increments.size() - buffered, false);
    FlushLane[] touched = new FlushLane[increments.size()];
    int touchedCount = 0;
    for (PendingIncrement increment : increments) {
      FlushLane lane = lane(increment.name());
      lane.enqueue(increment);
      if (touchedCount == 0 || touched[touchedCount - 1] != lane) {
        touched[touchedCount++] = lane;
      }
    }
    // Kicked after everything is queued, so one flush can carry the whole batch.
    for (int i = 0; i < touchedCount; i++) {
      touched[i].increments();
    }
    return Admission.ACCEPTED;
  }

  @Override
  public long pending() {
    return budget.used();
  }

  @Override
  public int flushesInFlight() {
    int count = 0;
    for (int i = 0; i < lanes.length(); i++) {
      FlushLane lane = lanes.get(i);
      if (lane != null && lane.writeInFlight()) {
        count++;
      }
    }
    return count;
  }

  @Override
  public long drain(Duration timeout) throws InterruptedException {
    closed = true;
    if (budget.awaitEmpty(timeout.toNanos())) {
      return 0;
    }
    long lost = budget.used();
    log.error("{} pending increments could not be written to Redis within {}; they are lost", lost, timeout);
    return lost;
  }

  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
  }

  boolean isClosed() {
    return closed;
  }

  IncrementWriter store() {
    return store;
  }

  WritePlanner planner() {
    return planner;
  }

  void trigger(Runnable flush) {
    trigger.trigger(flush);
  }

  long writeTimeoutNanos() {
    return settings.writeTimeout().toNanos();
  }

  void schedule(Runnable task, long delay, TimeUnit unit) {
    try {
      timer.schedule(task, delay, unit);
    } catch (RejectedExecutionException closedTimer) {
      log.warn("batcher closed; a scheduled flush was not run");
    }
  }

  private FlushLane lane(String name) {
    int index = store.laneOf(name);
    FlushLane lane = lanes.get(index);
    if (lane == null) {
      lane = new FlushLane(this, settings.linger().toNanos(), settings.lingerMinBatch(),
          settings.lingerTargetBatch());
      if (!lanes.compareAndSet(index, null, lane)) {
        lane = lanes.get(index);
      }
    }
    return lane;
  }

  /** A durable increment whose caller went away before it was sent: dropped, never applied. */
  void dropAbandoned(PendingIncrement increment) {
    metrics.resolved(BatcherMetrics.Resolution.ABANDONED, 1);
    budget.release(1);
  }

  /**
   * Hands the outcome of one write to its increments' listeners. Returns the failure as the
   * listeners saw it (a store failure), or null when the write completed.
   */
  Throwable complete(PlannedWrite write, WriteResult result, Throwable error) {
    List<PendingIncrement> increments = write.increments();
    if (error != null) {
      Throwable failure = storeFailure(error);
      failed(write, failure);
      return failure;
    }
    int applied = 0;
    int duplicates = 0;
    int notApplied = 0;
    boolean remember = recent.enabled();
    for (int i = 0; i < increments.size(); i++) {
      IncrementListener listener = increments.get(i).listener();
      if (remember && (i + 1 == increments.size() || !increments.get(i + 1).name().equals(increments.get(i).name()))) {
        // The last increment of a counter in this write: the counter's total when the script ran.
        WriteResult.Outcome outcome = result.outcome(i);
        if (outcome == WriteResult.Outcome.APPLIED || outcome == WriteResult.Outcome.NOT_APPLIED) {
          recent.observe(increments.get(i).name(), result.value(i), write.firstSentNanos());
        }
      }
      try {
        Decided decided = result.decided(i);
        if (decided != null) {
          switch (result.outcome(i)) {
            case APPLIED -> applied++;
            case DUPLICATE -> duplicates++;
            default -> notApplied++;
          }
          listener.decided(decided, result.outcome(i) == WriteResult.Outcome.DUPLICATE);
          continue;
        }
        switch (result.outcome(i)) {
          case APPLIED -> {
            applied++;
            listener.applied(result.value(i), false);
          }
          case DUPLICATE -> {
            duplicates++;
            listener.applied(result.value(i), true);
          }
          case OUT_OF_RANGE -> listener.outOfRange();
          // Without details only from a store that does not know policies; reported as the value.
          case NOT_APPLIED -> {
            notApplied++;
            listener.applied(result.value(i), false);
          }
          // Only resends of buffered increments can see this; their callers had their answer.
          case ALREADY_APPLIED -> {
            duplicates++;
            listener.applied(0, true);
          }
        }
      } catch (RuntimeException e) {
        log.warn("increment listener failed", e);
      }
    }
    metrics.resolved(BatcherMetrics.Resolution.APPLIED, applied);
    metrics.resolved(BatcherMetrics.Resolution.DUPLICATE, duplicates);
    metrics.resolved(BatcherMetrics.Resolution.NOT_APPLIED, notApplied);
    metrics.resolved(BatcherMetrics.Resolution.OUT_OF_RANGE, increments.size() - applied - duplicates - notApplied);
    budget.release(increments.size());
    return null;
  }

  /**
   * A durable increment that was queued behind a write the store never answered: failed without
   * being sent (nothing applied), rather than sent into the same silence.
   */
  void failUnsent(PendingIncrement increment, Throwable failure) {
    metrics.resolved(BatcherMetrics.Resolution.FAILED, 1);
    budget.release(1);
    try {
      increment.listener().failed(failure);
    } catch (RuntimeException e) {
      log.warn("increment listener failed", e);
    }
  }

  /** The failure of a write as a store failure: the safety-net timeout is an unanswered write. */
  private Throwable storeFailure(Throwable error) {
    Throwable cause = unwrap(error);
    if (cause instanceof TimeoutException) {
      return StoreUnavailableException.unresponsive("no answer from Redis to a write within "
          + settings.writeTimeout().toMillis() + " ms", cause);
    }
    return cause;
  }

  private void failed(PlannedWrite write, Throwable error) {
    int resolved = 0;
    for (PendingIncrement increment : write.increments()) {
      if (!increment.buffered()) {
        resolved++;
        try {
          increment.listener().failed(error);
        } catch (RuntimeException e) {
          log.warn("increment listener failed", e);
        }
      }
    }
    metrics.resolved(BatcherMetrics.Resolution.FAILED, resolved);
    budget.release(resolved);
    PlannedWrite resend = write.bufferedResend();
    if (resend == null) {
      return;
    }
    // Only an outage is worth waiting out; a write Redis rejected (foreign data in a key, say)
    // would fail the same way forever. And resends stop while the write token is surely alive.
    boolean outage = error instanceof StoreUnavailableException;
    long sentFor = System.nanoTime() - resend.firstSentNanos();
    if (!outage || sentFor > settings.resendFor().toNanos()) {
      log.error("{} buffered increments are lost: their write failed ({}){}", resend.increments().size(), error.toString(),
          outage ? " and kept failing for " + settings.resendFor() : " and resending cannot help");
      metrics.resolved(BatcherMetrics.Resolution.LOST, resend.increments().size());
      budget.release(resend.increments().size());
      return;
    }
    long delayNanos = backoffNanos(resend.attempt());
    if (resend.attempt() == 2) {
      log.warn("write of {} buffered increments failed ({}); resending every {} ms at most until it is applied",
          resend.increments().size(), error.toString(), settings.maxRetryBackoff().toMillis());
    }
    // Routed again when due: after a failover the counters may belong to another lane.
    String anchor = resend.write().counters().get(0).name();
    schedule(() -> lane(anchor).resend(resend), delayNanos, TimeUnit.NANOSECONDS);
  }

  private long backoffNanos(int attempt) {
    long base = settings.retryBackoff().toNanos();
    long max = settings.maxRetryBackoff().toNanos();
    int doublings = Math.min(attempt - 2, 20);
    return Math.min(max, base << doublings);
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
  }
}
