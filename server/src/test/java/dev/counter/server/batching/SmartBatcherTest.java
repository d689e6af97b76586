package dev.counter.server.batching;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.store.CounterOps;
import dev.counter.server.store.IncrementOp;
import dev.counter.server.store.IncrementWrite;
import dev.counter.server.store.IncrementWriter;
import dev.counter.server.store.StoreUnavailableException;
import dev.counter.server.store.WriteResult;
import dev.counter.server.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SmartBatcherTest {
  private static final Duration FAST_RETRY = Duration.ofMillis(5);
  private static final Duration RESEND_FOR = Duration.ofSeconds(30);
  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(30);

  private final List<SmartBatcher> batchers = new ArrayList<>();

  @AfterEach
  void closeBatchers() {
    batchers.forEach(SmartBatcher::close);
  }

  @Test
  void aLoneIncrementIsWrittenAtOnceWithoutATimer() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 100, 100);
    Recorder recorder = new Recorder();

    assertThat(batcher.offer(durable("a", 5, recorder))).isEqualTo(Admission.ACCEPTED);

    // The offering thread started the write itself: nothing waited for a timer or another thread.
    assertThat(writer.calls).hasSize(1);
    writer.applyNext();
    assertThat(recorder.values).containsExactly(5L);
    assertThat(batcher.pending()).isZero();
  }

  @Test
  void incrementsArrivingDuringAFlushGoOutTogetherInTheNextOne() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 100, 100);
    Recorder recorder = new Recorder();
    batcher.offer(durable("a", 1, recorder));
    for (int i = 0; i < 10; i++) {
      batcher.offer(durable(i % 2 == 0 ? "a" : "b", 1, recorder));
    }

    assertThat(writer.calls).as("one write in flight, the rest waiting").hasSize(1);
    writer.applyNext();

    assertThat(writer.calls).hasSize(2);
    IncrementWrite second = writer.calls.get(1).write;
    assertThat(second.counters()).extracting(CounterOps::name).containsExactly("a", "b");
    assertThat(second.opCount()).isEqualTo(10);
    writer.applyNext();
    assertThat(recorder.values).hasSize(11);
    assertThat(batcher.pending()).isZero();
  }

  @Test
  void eachIncrementGetsItsOwnValueInArrivalOrder() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 100, 100);
    Recorder first = new Recorder();
    Recorder rest = new Recorder();
    batcher.offer(durable("a", 10, first));
    batcher.offer(durable("a", 1, rest));
    batcher.offer(durable("a", 2, rest));
    batcher.offer(durable("a", -4, rest));

    writer.applyNext();
    writer.applyNext();

    assertThat(first.values).containsExactly(10L);
    assertThat(rest.values).containsExactly(11L, 13L, 9L);
  }

  @Test
  void splitsLargeFlushesIntoWritesOfAtMostMaxOps() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 1000, 4);
    Recorder recorder = new Recorder();
    batcher.offer(durable("x", 1, recorder));
    for (int i = 0; i < 10; i++) {
      batcher.offer(durable("hot", 1, recorder));
    }
    batcher.offer(durable("cold", 1, recorder));

    writer.applyNext();

    List<ManualWriter.Call> flush = writer.calls.subList(1, writer.calls.size());
    assertThat(flush).extracting(call -> call.write.opCount()).containsExactly(4, 4, 3);
    assertThat(flush.get(2).write.counters()).extracting(CounterOps::name).containsExactly("hot", "cold");
    while (writer.hasUnresolved()) {
      writer.applyNext();
    }
    // The hot counter spans three writes that were applied in order: its values are 1..10.
    assertThat(recorder.valuesOf("hot")).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);
  }

  @Test
  void boundsPendingIncrementsAndFreesRoomWhenWritten() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 3, 100);
    Recorder recorder = new Recorder();

    assertThat(batcher.offer(durable("a", 1, recorder))).isEqualTo(Admission.ACCEPTED);
    assertThat(batcher.offerAll(List.of(durable("a", 1, recorder), durable("b", 1, recorder))))
        .isEqualTo(Admission.ACCEPTED);
    assertThat(batcher.offer(durable("c", 1, recorder))).isEqualTo(Admission.BUFFER_FULL);
    assertThat(batcher.pending()).isEqualTo(3);

    writer.applyNext();
    assertThat(batcher.pending()).isEqualTo(2);
    assertThat(batcher.offerAll(List.of(durable("c", 1, recorder), durable("d", 1, recorder))))
        .as("all or nothing").isEqualTo(Admission.BUFFER_FULL);
    assertThat(batcher.offer(durable("c", 1, recorder))).isEqualTo(Admission.ACCEPTED);
  }

  @Test
  void abandonedDurableIncrementsAreDroppedBeforeTheyAreSent() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 100, 100);
    Recorder recorder = new Recorder();
    batcher.offer(durable("a", 1, recorder));
    Recorder gone = new Recorder();
    gone.abandoned = true;
    batcher.offer(durable("a", 100, gone));
    batcher.offer(durable("a", 2, recorder));

    writer.applyNext();
    writer.applyNext();

    assertThat(writer.calls.get(1).write.opCount()).isEqualTo(1);
    assertThat(recorder.values).containsExactly(1L, 3L);
    assertThat(gone.outcomes()).isZero();
    assertThat(batcher.pending()).isZero();
  }

  @Test
  void aFailedWriteFailsDurableCallersAndResendsBufferedIncrementsUnderTheSameToken() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 100, 100);
    Recorder durable = new Recorder();
    Recorder buffered = new Recorder();
    batcher.offer(durable("first", 1, durable));
    batcher.offer(durable("a", 1, durable));
    batcher.offer(buffered("a", 7, buffered));
    batcher.offer(buffered("b", 8, buffered));
    writer.applyNext();

    ManualWriter.Call failing = writer.calls.get(1);
    assertThat(failing.write.token()).as("writes with buffered increments carry a token").isNotNull();
    writer.failNext(new StoreUnavailableException("Redis is down"));

    assertThat(durable.failures).hasSize(1);
    assertThat(buffered.outcomes()).isZero();
    Await.until("the resend", Duration.ofSeconds(5), () -> writer.calls.size() == 3);
    IncrementWrite resend = writer.calls.get(2).write;
    assertThat(resend.token()).isEqualTo(failing.write.token());
    assertThat(resend.counters()).extracting(CounterOps::name).containsExactly("a", "b");
    assertThat(resend.opCount()).isEqualTo(2);
    assertThat(batcher.pending()).isEqualTo(2);

    writer.applyNext();
    assertThat(buffered.values).containsExactly(7L, 8L);
    assertThat(batcher.pending()).isZero();
  }

  @Test
  void aResendThatFindsItsTokenResolvesWithoutApplyingAgain() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 100, 100);
    Recorder buffered = new Recorder();
    batcher.offer(buffered("a", 7, buffered));
    writer.failNext(new StoreUnavailableException("timeout"));
    Await.until("the resend", Duration.ofSeconds(5), () -> writer.calls.size() == 2);

    writer.calls.get(1).future.complete(WriteResult.alreadyApplied(1));

    assertThat(buffered.duplicates).isEqualTo(1);
    assertThat(batcher.pending()).isZero();
  }

  @Test
  void bufferedIncrementsAreNotResentWhenTheStoreRejectedTheWrite() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 100, 100);
    batcher.offer(buffered("a", 1, new Recorder()));

    writer.failNext(new IllegalStateException("Redis rejected a command: ERR Error running script"));

    assertThat(batcher.pending()).as("given up, not resent").isZero();
    assertThat(writer.calls).hasSize(1);
  }

  @Test
  void bufferedIncrementsAreGivenUpOnceTheirResendTimeIsOver() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = new SmartBatcher(writer,
        new BatcherSettings(100, 100, Duration.ZERO, 0, Integer.MAX_VALUE, FAST_RETRY, FAST_RETRY, Duration.ofMillis(200), WRITE_TIMEOUT));
    batchers.add(batcher);
    batcher.offer(buffered("a", 1, new Recorder()));

    // Fail every attempt: resends continue until the 200 ms are over, then stop.
    Await.until("the resends to stop", Duration.ofSeconds(10), () -> {
      while (writer.hasUnresolved()) {
        writer.failNext(new StoreUnavailableException("down"));
      }
      return batcher.pending() == 0;
    });
    assertThat(writer.calls.size()).isGreaterThan(2);
  }

  @Test
  void aWriteThatNeverCompletesTimesOutAsAnOutageInsteadOfBlockingItsLane() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = new SmartBatcher(writer,
        new BatcherSettings(100, 100, Duration.ZERO, 0, Integer.MAX_VALUE, FAST_RETRY, FAST_RETRY, RESEND_FOR, Duration.ofMillis(100)));
    batchers.add(batcher);
    Recorder recorder = new Recorder();
    batcher.offer(durable("a", 1, recorder));

    // The timeout fails the stuck write's caller as an outage (UNAVAILABLE), not as a bug.
    Await.until("the stuck write to time out", Duration.ofSeconds(5), () -> recorder.failures.size() == 1);
    assertThat(recorder.failures.get(0)).isInstanceOf(StoreUnavailableException.class)
        .satisfies(failure -> assertThat(((StoreUnavailableException) failure).unresponsive()).isTrue());
    batcher.offer(durable("a", 1, recorder));
    assertThat(writer.calls).as("the lane moved on").hasSize(2);
  }

  @Test
  void durableIncrementsQueuedBehindAnUnansweredWriteFailAtOnceAndBufferedOnesStay() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 100, 100);
    Recorder first = new Recorder();
    Recorder queued = new Recorder();
    Recorder buffered = new Recorder();
    batcher.offer(durable("a", 1, first));
    batcher.offer(durable("a", 1, queued));
    batcher.offer(durable("b", 1, queued));
    batcher.offer(buffered("c", 1, buffered));

    writer.failNext(StoreUnavailableException.unresponsive("Redis is unavailable: Command timed out", null));

    // Not sent into the same silence to wait for a second timeout: failed, nothing applied.
    assertThat(first.failures).hasSize(1);
    assertThat(queued.failures).hasSize(2);
    assertThat(writer.calls.get(1).write.counters()).extracting(CounterOps::name).containsExactly("c");
    writer.applyNext();
    assertThat(buffered.values).containsExactly(1L);
    assertThat(batcher.pending()).isZero();
  }

  @Test
  void aWriteRedisAnsweredNotNowLeavesTheQueueToTheNextFlush() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 100, 100);
    Recorder first = new Recorder();
    Recorder queued = new Recorder();
    batcher.offer(durable("a", 1, first));
    batcher.offer(durable("b", 1, queued));

    writer.failNext(new StoreUnavailableException("Redis is unavailable: TRYAGAIN"));

    assertThat(first.failures).hasSize(1);
    assertThat(queued.failures).isEmpty();
    writer.applyNext();
    assertThat(queued.values).containsExactly(1L);
  }

  @Test
  void writesWithOnlyDurableIncrementsCarryNoToken() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 100, 100);
    batcher.offer(durable("a", 1, new Recorder()));
    assertThat(writer.calls.get(0).write.token()).isNull();
  }

  @Test
  void drainWaitsForEverythingPendingAndThenRefusesNewIncrements() throws Exception {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 100, 100);
    Recorder buffered = new Recorder();
    batcher.offer(buffered("a", 1, buffered));
    batcher.offer(buffered("a", 2, buffered));

    CompletableFuture<Long> lost = CompletableFuture.supplyAsync(() -> {
      try {
        return batcher.drain(Duration.ofSeconds(10));
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    Await.until("drain to close the batcher", Duration.ofSeconds(5), batcher::isClosed);
    assertThat(batcher.offer(durable("late", 1, new Recorder()))).isEqualTo(Admission.CLOSED);
    assertThat(lost).isNotDone();
    writer.applyNext();
    writer.applyNext();

    assertThat(lost.get()).isZero();
    assertThat(buffered.values).containsExactly(1L, 3L);
  }

  @Test
  void drainReportsWhatItCouldNotWriteInTime() throws Exception {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = batcher(writer, 100, 100);
    batcher.offer(buffered("a", 1, new Recorder()));
    batcher.offer(buffered("a", 1, new Recorder()));

    assertThat(batcher.drain(Duration.ofMillis(50))).isEqualTo(2);
  }

  @Test
  void writesThatFailAtOnceWhileMoreArriveDoNotGrowTheStack() {
    // Each write fails synchronously and, while it is "in flight", one more increment arrives:
    // the lane must loop to the next flush rather than recurse once per flush.
    int total = 100_000;
    Recorder recorder = new Recorder();
    AtomicInteger offered = new AtomicInteger(1);
    SmartBatcher[] self = new SmartBatcher[1];
    IncrementWriter refusing = new IncrementWriter() {
      @Override
      public int laneOf(String name) {
        return 0;
      }

      @Override
      public int laneCount() {
        return 1;
      }

      @Override
      public int groupOf(String name) {
        return 0;
      }

      @Override
      public List<CompletableFuture<WriteResult>> write(List<IncrementWrite> writes) {
        if (offered.get() < total) {
          offered.incrementAndGet();
          self[0].offer(durable("a", 1, recorder));
        }
        return writes.stream()
            .map(w -> CompletableFuture.<WriteResult>failedFuture(new StoreUnavailableException("not connected")))
            .toList();
      }
    };
    SmartBatcher batcher = batcher(refusing, 1_000_000, 100);
    self[0] = batcher;

    batcher.offer(durable("a", 1, recorder));

    assertThat(recorder.failures).hasSize(total);
    assertThat(batcher.pending()).isZero();
  }

  @Test
  void aWriteOnlyHoldsCountersOfOneGroup() {
    ManualWriter writer = new ManualWriter(name -> 0, 1, name -> name.charAt(0));
    SmartBatcher batcher = batcher(writer, 100, 100);
    Recorder recorder = new Recorder();
    batcher.offer(durable("x0", 1, recorder));
    batcher.offer(durable("a1", 1, recorder));
    batcher.offer(durable("b1", 1, recorder));
    batcher.offer(durable("a2", 1, recorder));
    writer.applyNext();

    List<ManualWriter.Call> flush = writer.calls.subList(1, writer.calls.size());
    assertThat(flush).hasSize(2);
    assertThat(flush.get(0).write.counters()).extracting(CounterOps::name).containsExactly("a1", "a2");
    assertThat(flush.get(1).write.counters()).extracting(CounterOps::name).containsExactly("b1");
  }

  @Test
  void lanesFlushIndependently() {
    ManualWriter writer = new ManualWriter(name -> name.startsWith("x") ? 0 : 1, 2, name -> 0);
    SmartBatcher batcher = batcher(writer, 100, 100);
    Recorder recorder = new Recorder();
    batcher.offer(durable("x1", 1, recorder));
    batcher.offer(durable("y1", 1, recorder));
    batcher.offer(durable("x2", 1, recorder));

    assertThat(writer.calls).as("one write in flight per lane").hasSize(2);
    assertThat(writer.calls.get(1).write.counters()).extracting(CounterOps::name).containsExactly("y1");
  }

  @Test
  void lingerSpacesTheFlushesOfALane() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = new SmartBatcher(writer,
        new BatcherSettings(100, 100, Duration.ofMillis(500), 0, Integer.MAX_VALUE, FAST_RETRY, FAST_RETRY, RESEND_FOR,
            WRITE_TIMEOUT));
    batchers.add(batcher);
    Recorder recorder = new Recorder();
    batcher.offer(durable("a", 1, recorder));
    writer.applyNext();
    batcher.offer(durable("a", 1, recorder));
    batcher.offer(durable("a", 1, recorder));

    assertThat(writer.calls).as("the second flush waits for the linger").hasSize(1);
    Await.until("the lingering flush", Duration.ofSeconds(5), () -> writer.calls.size() == 2);
    // The linger counts from just before the first write was sent, so allow that moment.
    long gapNanos = writer.calls.get(1).atNanos - writer.calls.get(0).atNanos;
    assertThat(gapNanos).isGreaterThanOrEqualTo(Duration.ofMillis(490).toNanos());
    assertThat(writer.calls.get(1).write.opCount()).isEqualTo(2);
  }

  @Test
  void aSmallFlushDoesNotLinger() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = new SmartBatcher(writer,
        new BatcherSettings(100, 100, Duration.ofSeconds(30), 3, Integer.MAX_VALUE, FAST_RETRY, FAST_RETRY, RESEND_FOR, WRITE_TIMEOUT));
    batchers.add(batcher);
    Recorder recorder = new Recorder();
    batcher.offer(durable("a", 1, recorder));
    writer.applyNext();

    // The previous flush carried 1 increment (< 3): the next one goes at once despite the linger.
    batcher.offer(durable("a", 1, recorder));
    assertThat(writer.calls).hasSize(2);
  }

  @Test
  void aLingeringFlushStartsOnceTheTargetBatchIsQueued() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = new SmartBatcher(writer,
        new BatcherSettings(100, 100, Duration.ofSeconds(30), 1, 3, FAST_RETRY, FAST_RETRY, RESEND_FOR, WRITE_TIMEOUT));
    batchers.add(batcher);
    Recorder recorder = new Recorder();
    batcher.offer(durable("a", 1, recorder));
    writer.applyNext();

    // Under "load" now (the last flush met the minimum): the next flush lingers up to 30 s...
    batcher.offer(durable("a", 1, recorder));
    batcher.offer(durable("a", 1, recorder));
    assertThat(writer.calls).hasSize(1);
    // ...but starts as soon as the third increment makes the target batch.
    batcher.offer(durable("a", 1, recorder));
    assertThat(writer.calls).hasSize(2);
    assertThat(writer.calls.get(1).write.opCount()).isEqualTo(3);
  }

  @Test
  void aLingerNeverHoldsAnIncrementPastItsDeadline() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = new SmartBatcher(writer,
        new BatcherSettings(100, 100, Duration.ofSeconds(30), 1, 100, FAST_RETRY, FAST_RETRY, RESEND_FOR, WRITE_TIMEOUT));
    batchers.add(batcher);
    Recorder patient = new Recorder();
    batcher.offer(durable("a", 1, patient));
    writer.applyNext();
    batcher.offer(durable("a", 1, patient));
    assertThat(writer.calls).as("lingering: the last flush met the minimum").hasSize(1);

    Recorder hurried = new Recorder();
    hurried.deadlineNanos = System.nanoTime() + Duration.ofMillis(200).toNanos();
    batcher.offer(durable("a", 1, hurried));

    // Not the 30 s linger: the flush goes before the hurried call's deadline, with both queued.
    Await.until("the flush before the deadline", Duration.ofSeconds(5), () -> writer.calls.size() == 2);
    assertThat(writer.calls.get(1).atNanos()).isLessThan(hurried.deadlineNanos);
    assertThat(writer.calls.get(1).write.opCount()).isEqualTo(2);
  }

  @Test
  void aLingerStartedWithADeadlineQueuedEndsBeforeIt() {
    ManualWriter writer = new ManualWriter();
    SmartBatcher batcher = new SmartBatcher(writer,
        new BatcherSettings(100, 100, Duration.ofSeconds(30), 1, 100, FAST_RETRY, FAST_RETRY, RESEND_FOR, WRITE_TIMEOUT));
    batchers.add(batcher);
    Recorder recorder = new Recorder();
    batcher.offer(durable("a", 1, recorder));
    Recorder hurried = new Recorder();
    hurried.deadlineNanos = System.nanoTime() + Duration.ofMillis(300).toNanos();
    // Queued while the first write is in flight: the linger starts when that write completes.
    batcher.offer(durable("a", 1, hurried));
    writer.applyNext();

    Await.until("the flush before the deadline", Duration.ofSeconds(5), () -> writer.calls.size() == 2);
    // Timed by the batcher's timer thread: scheduling can be late by a few ms on a busy machine,
    // never by the 30 s linger.
    assertThat(writer.calls.get(1).atNanos()).isLessThan(hurried.deadlineNanos + Duration.ofMillis(100).toNanos());
  }

  private SmartBatcher batcher(IncrementWriter writer, int maxPending, int maxOps) {
    SmartBatcher batcher = new SmartBatcher(writer,
        new BatcherSettings(maxPending, maxOps, Duration.ZERO, 0, Integer.MAX_VALUE, FAST_RETRY, FAST_RETRY, RESEND_FOR, WRITE_TIMEOUT));
    batchers.add(batcher);
    return batcher;
  }

  private static PendingIncrement durable(String name, long delta, Recorder recorder) {
    return new PendingIncrement(name, delta, "", false, recorder.forCounter(name));
  }

  private static PendingIncrement buffered(String name, long delta, Recorder recorder) {
    return new PendingIncrement(name, delta, "", true, recorder.forCounter(name));
  }

  /** Records outcomes, in the order they arrive. */
  private static final class Recorder {
    final List<Long> values = java.util.Collections.synchronizedList(new ArrayList<>());
    final Map<String, List<Long>> byCounter = new java.util.concurrent.ConcurrentHashMap<>();
    final List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    final AtomicInteger overflows = new AtomicInteger();
    volatile int duplicates;
    volatile boolean abandoned;
    volatile long deadlineNanos = IncrementListener.NO_DEADLINE;

    IncrementListener forCounter(String name) {
      return new IncrementListener() {
        @Override
        public void applied(long value, boolean duplicate) {
          if (duplicate) {
            duplicates++;
            return;
          }
          values.add(value);
          byCounter.computeIfAbsent(name, n -> new CopyOnWriteArrayList<>()).add(value);
        }

        @Override
        public void outOfRange() {
          overflows.incrementAndGet();
        }

        @Override
        public void failed(Throwable cause) {
          failures.add(cause);
        }

        @Override
        public boolean abandoned() {
          return abandoned;
        }

        @Override
        public long deadlineNanos() {
          return deadlineNanos;
        }
      };
    }

    List<Long> valuesOf(String name) {
      return byCounter.getOrDefault(name, List.of());
    }

    int outcomes() {
      return values.size() + failures.size() + overflows.get() + duplicates;
    }
  }

  /** A writer whose writes complete only when the test says so, applied to an in-memory map. */
  private static final class ManualWriter implements IncrementWriter {
    final List<Call> calls = new CopyOnWriteArrayList<>();
    private final Map<String, Long> counters = new HashMap<>();
    private final ToIntFunction<String> lanes;
    private final int laneCount;
    private final ToIntFunction<String> groups;
    private int next;

    ManualWriter() {
      this(name -> 0, 1, name -> 0);
    }

    ManualWriter(ToIntFunction<String> lanes, int laneCount, ToIntFunction<String> groups) {
      this.lanes = lanes;
      this.laneCount = laneCount;
      this.groups = groups;
    }

    @Override
    public int laneOf(String name) {
      return lanes.applyAsInt(name);
    }

    @Override
    public int laneCount() {
      return laneCount;
    }

    @Override
    public int groupOf(String name) {
      return groups.applyAsInt(name);
    }

    @Override
    public List<CompletableFuture<WriteResult>> write(List<IncrementWrite> writes) {
      List<CompletableFuture<WriteResult>> futures = new ArrayList<>();
      for (IncrementWrite write : writes) {
        Call call = new Call(write, new CompletableFuture<>(), System.nanoTime());
        calls.add(call);
        futures.add(call.future);
      }
      return futures;
    }

    boolean hasUnresolved() {
      return next < calls.size();
    }

    /** Fails the oldest unresolved write. */
    void failNext(Throwable error) {
      calls.get(next++).future.completeExceptionally(error);
    }

    /** Applies the oldest unresolved write and completes it (synchronously starting the next flush). */
    void applyNext() {
      Call call = calls.get(next++);
      WriteResult result = WriteResult.ofSize(call.write.opCount());
      int i = 0;
      for (CounterOps counter : call.write.counters()) {
        for (IncrementOp op : counter.ops()) {
          long value = counters.merge(counter.name(), op.delta(), Long::sum);
          result.set(i++, WriteResult.Outcome.APPLIED, value);
        }
      }
      call.future.complete(result);
    }

    record Call(IncrementWrite write, CompletableFuture<WriteResult> future, long atNanos) {}
  }
}
