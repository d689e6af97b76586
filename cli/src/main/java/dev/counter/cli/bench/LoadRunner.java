package dev.counter.cli.bench;

import static java.util.Objects.requireNonNull;

import dev.counter.client.RequestIds;
import dev.counter.v1.BatchIncrementRequest;
import dev.counter.v1.BatchIncrementResponse;
import dev.counter.v1.CounterServiceGrpc;
import dev.counter.v1.Durability;
import dev.counter.v1.GetRequest;
import dev.counter.v1.GetResponse;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.IncrementResult;
import dev.counter.v1.Limit;
import dev.counter.v1.Window;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.StreamObserver;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed-loop load: {@code concurrency} slots each keep one call in flight, issuing the next as
 * soon as the previous completes, spread over the given channels. Calls completed during the
 * warm-up count toward the ledger (for verification) but not toward the figures.
 */
final class LoadRunner {
  /** What to send. */
  record Workload(
      List<String> names,
      KeyDistribution.KeyChooser chooser,
      long delta,
      Durability durability,
      int batchSize,
      double getRatio,
      boolean requestIds,
      List<Window> windows,
      List<Limit> limits,
      Duration maxStaleness) {
    /** True when increments carry limits: only those the reply says were applied count as acknowledged. */
    boolean limited() {
      return !limits.isEmpty();
    }
  }

  /**
   * Sends {@code INCRBY name delta} straight to Redis instead of calling the service: what users
   * would do without it. One async connection per channel.
   */
  interface DirectRedis {
    java.util.concurrent.CompletionStage<Long> incrby(int channel, String key, long delta);
  }

  /** How long and how hard. */
  record Pace(int concurrency, Duration warmup, Duration duration, long requests, Duration deadline) {}

  private static final int TRAMPOLINE_DEPTH = 32;

  private final List<? extends Channel> channels;
  private final DirectRedis directRedis;
  private final int channelCount;
  private final Workload workload;
  private final Pace pace;
  private final Ledger ledger;
  private final WindowLedger windowLedger;
  private final IncrementRequest[] incrementRequests;
  private final GetRequest[] getRequests;
  private final Recorder latencyNanos = new Recorder(3);
  private final AtomicLongArray callsByStatus = new AtomicLongArray(Status.Code.values().length);
  private final LongAdder measuredCalls = new LongAdder();
  private final LongAdder measuredIncrements = new LongAdder();
  private final LongAdder measuredItems = new LongAdder();
  private final LongAdder allCalls = new LongAdder();
  private final AtomicLong issuedAfterWarmup = new AtomicLong();
  private final ThreadLocal<int[]> depth = ThreadLocal.withInitial(() -> new int[1]);
  private final ExecutorService trampoline = Executors.newSingleThreadExecutor(runnable -> {
    Thread thread = new Thread(runnable, "bench-trampoline");
    thread.setDaemon(true);
    return thread;
  });
  private volatile boolean measuring;
  private volatile boolean stopping;
  private CountDownLatch slotsDone;

  LoadRunner(List<? extends Channel> channels, Workload workload, Pace pace, Ledger ledger, WindowLedger windowLedger) {
    this(channels, null, channels.size(), workload, pace, ledger, windowLedger);
  }

  LoadRunner(DirectRedis directRedis, int connections, Workload workload, Pace pace, Ledger ledger) {
    this(List.of(), directRedis, connections, workload, pace, ledger, null);
  }

  private LoadRunner(List<? extends Channel> channels, DirectRedis directRedis, int channelCount, Workload workload,
      Pace pace, Ledger ledger, WindowLedger windowLedger) {
    this.channels = requireNonNull(channels, "channels is null");
    this.directRedis = directRedis;
    this.channelCount = channelCount;
    this.workload = requireNonNull(workload, "workload is null");
    this.pace = requireNonNull(pace, "pace is null");
    this.ledger = requireNonNull(ledger, "ledger is null");
    this.windowLedger = windowLedger;
    int keys = workload.names().size();
    incrementRequests = new IncrementRequest[keys];
    getRequests = new GetRequest[keys];
    for (int k = 0; k < keys; k++) {
      incrementRequests[k] = IncrementRequest.newBuilder().setName(workload.names().get(k))
          .setDelta(workload.delta()).setDurability(workload.durability())
          .addAllWindows(workload.windows()).addAllLimits(workload.limits()).build();
      GetRequest.Builder get = GetRequest.newBuilder().setName(workload.names().get(k));
      if (!workload.maxStaleness().isZero()) {
        get.setMaxStaleness(com.google.protobuf.Duration.newBuilder().setSeconds(workload.maxStaleness().getSeconds())
            .setNanos(workload.maxStaleness().getNano()));
      }
      getRequests[k] = get.build();
    }
  }

  /** Runs the load and returns the figures of the measured window, with what it cost as {@code probe} sees it. */
  BenchResult run(PrintWriter progress, CostProbe probe) throws InterruptedException {
    slotsDone = new CountDownLatch(pace.concurrency());
    measuring = pace.warmup().isZero();
    long seed = System.nanoTime();
    for (int i = 0; i < pace.concurrency(); i++) {
      Slot slot = new Slot(directRedis != null ? null : channels.get(i % channels.size()), i % channelCount,
          new SplittableRandom(seed + i));
      issue(slot);
    }
    if (!measuring) {
      Thread.sleep(pace.warmup().toMillis());
      latencyNanos.getIntervalHistogram(); // discard the warm-up
      measuring = true;
    }
    CostProbe.Sample costAtStart = probe.sample();
    long start = System.nanoTime();
    long end = start + (pace.requests() > 0 ? Long.MAX_VALUE / 2 : pace.duration().toNanos());
    long nextProgress = start + TimeUnit.SECONDS.toNanos(1);
    long lastCalls = 0;
    while (System.nanoTime() < end && slotsDone.getCount() > 0) {
      // Sleeping here paces the run; completion is tracked by counters, not by this loop.
      slotsDone.await(50, TimeUnit.MILLISECONDS);
      long now = System.nanoTime();
      if (progress != null && now >= nextProgress) {
        long calls = measuredCalls.sum();
        progress.printf("[%3ds] %,d calls/s, %,d errors%n", TimeUnit.NANOSECONDS.toSeconds(now - start),
            calls - lastCalls, errors());
        progress.flush();
        lastCalls = calls;
        nextProgress += TimeUnit.SECONDS.toNanos(1);
      }
    }
    measuring = false;
    long elapsed = System.nanoTime() - start;
    CostProbe.Cost cost = probe.sample().minus(costAtStart);
    stopping = true;
    Histogram histogram = latencyNanos.getIntervalHistogram();
    boolean drained = slotsDone.await(pace.deadline().toMillis() + 10_000, TimeUnit.MILLISECONDS);
    trampoline.shutdown();
    return new BenchResult(elapsed, measuredCalls.sum(), measuredIncrements.sum(), histogram, countsByStatus(),
        allCalls.sum(), drained, cost, measuredItems.sum());
  }

  private long errors() {
    long errors = 0;
    for (int code = 1; code < callsByStatus.length(); code++) {
      errors += callsByStatus.get(code);
    }
    return errors;
  }

  private long[] countsByStatus() {
    long[] counts = new long[callsByStatus.length()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = callsByStatus.get(i);
    }
    return counts;
  }

  /** Issues the slot's next call, or retires the slot once the run is over. */
  private void issue(Slot slot) {
    if (stopping || (pace.requests() > 0 && measuring && issuedAfterWarmup.incrementAndGet() > pace.requests())) {
      slotsDone.countDown();
      return;
    }
    SplittableRandom random = slot.random;
    long startNanos = System.nanoTime();
    if (directRedis != null) {
      int key = workload.chooser().next(random);
      Completion<Long> completion = new Completion<>(slot, startNanos, 1) {
        @Override
        void succeeded(Long value) {
          ledger.acknowledged(key, workload.delta());
          if (measuring) {
            measuredIncrements.increment();
          }
        }

        @Override
        void failed(Status status) {
          ledger.unknown(key, workload.delta());
        }
      };
      directRedis.incrby(slot.index, workload.names().get(key), workload.delta()).whenComplete((value, error) -> {
        if (error == null) {
          completion.onNext(value);
          completion.onCompleted();
        } else {
          completion.onError(Status.UNAVAILABLE.withCause(error).withDescription(error.toString()).asException());
        }
      });
      return;
    }
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(pace.deadline().toNanos(), TimeUnit.NANOSECONDS);
    if (workload.getRatio() > 0 && random.nextDouble() < workload.getRatio()) {
      int key = workload.chooser().next(random);
      ClientCalls.asyncUnaryCall(slot.channel.newCall(CounterServiceGrpc.getGetMethod(), options), getRequests[key],
          new Completion<GetResponse>(slot, startNanos, 0) {
            @Override
            void succeeded(GetResponse response) {}

            @Override
            void failed(Status status) {}
          });
    } else if (workload.batchSize() > 1) {
      int[] keys = new int[workload.batchSize()];
      BatchIncrementRequest.Builder batch = BatchIncrementRequest.newBuilder();
      for (int i = 0; i < keys.length; i++) {
        keys[i] = workload.chooser().next(random);
        batch.addItems(request(keys[i]));
      }
      ClientCalls.asyncUnaryCall(slot.channel.newCall(CounterServiceGrpc.getBatchIncrementMethod(), options),
          batch.build(), new Completion<BatchIncrementResponse>(slot, startNanos, keys.length) {
            @Override
            void succeeded(BatchIncrementResponse response) {
              int applied = 0;
              for (int i = 0; i < keys.length; i++) {
                IncrementResult result = response.getResults(i);
                if (result.hasResponse()) {
                  applied += acknowledge(keys[i], result.getResponse()) ? 1 : 0;
                } else if (mayHaveApplied(Status.fromCodeValue(result.getError().getCode()))) {
                  unknown(keys[i]);
                }
              }
              if (measuring) {
                measuredIncrements.add(applied);
              }
            }

            @Override
            void failed(Status status) {
              if (mayHaveApplied(status)) {
                for (int key : keys) {
                  unknown(key);
                }
              }
            }
          });
    } else {
      int key = workload.chooser().next(random);
      ClientCalls.asyncUnaryCall(slot.channel.newCall(CounterServiceGrpc.getIncrementMethod(), options), request(key),
          new Completion<IncrementResponse>(slot, startNanos, 1) {
            @Override
            void succeeded(IncrementResponse response) {
              if (acknowledge(key, response) && measuring) {
                measuredIncrements.increment();
              }
            }

            @Override
            void failed(Status status) {
              if (mayHaveApplied(status)) {
                unknown(key);
              }
            }
          });
    }
  }

  /**
   * Records an answered increment; returns true when it was applied. Without limits every answer
   * is an applied increment (the no-op baseline server answers without the field that says so).
   */
  private boolean acknowledge(int key, IncrementResponse response) {
    boolean applied = !workload.limited() || response.getApplied();
    if (applied) {
      ledger.acknowledged(key, workload.delta());
    }
    if (windowLedger != null && response.getWindowsCount() > 0) {
      com.google.protobuf.Timestamp start = response.getWindows(0).getPeriod().getStart();
      windowLedger.decided(key, start.getSeconds() * 1000 + start.getNanos() / 1_000_000, applied);
    }
    return applied;
  }

  private void unknown(int key) {
    ledger.unknown(key, workload.delta());
    if (windowLedger != null) {
      windowLedger.unknown(key);
    }
  }

  private IncrementRequest request(int key) {
    IncrementRequest request = incrementRequests[key];
    return workload.requestIds() ? request.toBuilder().setRequestId(RequestIds.next()).build() : request;
  }

  /** Failures after which the increment may or may not have been applied. */
  private static boolean mayHaveApplied(Status status) {
    return switch (status.getCode()) {
      case INVALID_ARGUMENT, OUT_OF_RANGE, RESOURCE_EXHAUSTED, FAILED_PRECONDITION, UNIMPLEMENTED, NOT_FOUND,
          PERMISSION_DENIED, UNAUTHENTICATED, ALREADY_EXISTS -> false;
      default -> true;
    };
  }

  /** One closed-loop lane of calls. */
  private static final class Slot {
    final Channel channel;
    final int index;
    final SplittableRandom random;

    Slot(Channel channel, int index, SplittableRandom random) {
      this.channel = channel;
      this.index = index;
      this.random = random;
    }
  }

  /** Records a call's outcome, then issues the slot's next call. */
  private abstract class Completion<T> implements StreamObserver<T> {
    private final Slot slot;
    private final long startNanos;
    private final int items;
    private T response;

    /** @param items increments the call carries (0 for a read) */
    Completion(Slot slot, long startNanos, int items) {
      this.slot = slot;
      this.startNanos = startNanos;
      this.items = items;
    }

    abstract void succeeded(T response);

    abstract void failed(Status status);

    @Override
    public void onNext(T value) {
      response = value;
    }

    @Override
    public void onCompleted() {
      succeeded(response);
      finish(Status.Code.OK);
    }

    @Override
    public void onError(Throwable error) {
      Status status = Status.fromThrowable(error);
      failed(status);
      finish(status.getCode());
    }

    private void finish(Status.Code code) {
      allCalls.increment();
      if (measuring) {
        latencyNanos.recordValue(Math.max(1, System.nanoTime() - startNanos));
        measuredCalls.increment();
        measuredItems.add(items);
      }
      callsByStatus.incrementAndGet(code.value());
      next(slot);
    }
  }

  /** Issues the next call inline, or on another thread if calls keep completing synchronously. */
  private void next(Slot slot) {
    int[] level = depth.get();
    if (level[0] >= TRAMPOLINE_DEPTH) {
      Executor executor = trampoline;
      executor.execute(() -> issue(slot));
      return;
    }
    level[0]++;
    try {
      issue(slot);
    } finally {
      level[0]--;
    }
  }
}
