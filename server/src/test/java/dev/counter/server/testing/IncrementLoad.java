package dev.counter.server.testing;

import dev.counter.client.ClientServiceConfig;
import dev.counter.client.CounterClient;
import dev.counter.v1.CounterServiceGrpc;
import dev.counter.v1.Durability;
import dev.counter.v1.IncrementRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.locks.LockSupport;

/**
 * A load of +1 increments over {@code counters} counters from {@code writers} threads, with an
 * exact ledger: increments acknowledged, and increments whose call ended without saying whether
 * they were applied. With request ids, a failed increment is sent again (same id) until it
 * succeeds, so every increment ends acknowledged and the stored totals must match exactly.
 */
public final class IncrementLoad implements AutoCloseable {
  private final String prefix;
  private final int counters;
  private final boolean requestIds;
  private final Durability durability;
  private final AtomicLongArray acknowledged;
  private final AtomicLongArray unknown;
  private final AtomicLong failedAttempts = new AtomicLong();
  private final Map<String, AtomicLong> failuresByStatus = new ConcurrentHashMap<>();
  private final AtomicBoolean stop = new AtomicBoolean();
  private final ExecutorService threads;
  private final List<Future<?>> running = new ArrayList<>();
  private final List<CounterClient> clients = new ArrayList<>();

  private IncrementLoad(String prefix, int counters, boolean requestIds, Durability durability, int writers) {
    this.prefix = prefix;
    this.counters = counters;
    this.requestIds = requestIds;
    this.durability = durability;
    this.acknowledged = new AtomicLongArray(counters);
    this.unknown = new AtomicLongArray(counters);
    this.threads = Executors.newFixedThreadPool(writers);
  }

  /**
   * Starts {@code writers} threads, each with its own {@link CounterClient} to {@code target}
   * (3 s deadline; gRPC retries of UNAVAILABLE on only with request ids).
   */
  public static IncrementLoad start(String target, String prefix, int counters, int writers, boolean requestIds,
      Durability durability) {
    IncrementLoad load = new IncrementLoad(prefix, counters, requestIds, durability, writers);
    for (int w = 0; w < writers; w++) {
      // Without request ids a retried call could apply twice, so such a load does not retry.
      CounterClient client = CounterClient.newBuilder().target(target).deadline(Duration.ofSeconds(3))
          .maxAttempts(requestIds ? ClientServiceConfig.DEFAULT_MAX_ATTEMPTS : 1).build();
      load.clients.add(client);
      int writer = w;
      load.running.add(load.threads.submit(() -> load.write(client, writer)));
    }
    return load;
  }

  private void write(CounterClient client, int writer) {
    for (long n = 0; !stop.get(); n++) {
      int counter = (int) ((n * 7 + writer) % counters);
      IncrementRequest.Builder request = IncrementRequest.newBuilder().setName(prefix + counter).setDelta(1)
          .setDurability(durability);
      if (requestIds) {
        request.setRequestId(writer + "-" + n);
      }
      IncrementRequest built = request.build();
      while (true) {
        try {
          if (requestIds) {
            client.increment(built);
          } else {
            // Straight through a stub: CounterClient would add a request id.
            CounterServiceGrpc.newBlockingStub(client.channel()).withDeadlineAfter(3, TimeUnit.SECONDS)
                .increment(built);
          }
          acknowledged.incrementAndGet(counter);
          break;
        } catch (StatusRuntimeException e) {
          failedAttempts.incrementAndGet();
          failuresByStatus.computeIfAbsent(e.getStatus().getCode().name(), code -> new AtomicLong()).incrementAndGet();
          if (!requestIds) {
            if (mayHaveApplied(e.getStatus().getCode())) {
              unknown.incrementAndGet(counter);
            }
            break;
          }
          if (stop.get() && System.nanoTime() > stopAt.get() + Duration.ofSeconds(60).toNanos()) {
            throw new AssertionError("increment " + built.getRequestId() + " still failing 60 s after the load ended: "
                + e);
          }
          LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
        }
      }
    }
  }

  private final AtomicLong stopAt = new AtomicLong(Long.MAX_VALUE / 2);

  private static boolean mayHaveApplied(Status.Code code) {
    return code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED || code == Status.Code.UNKNOWN
        || code == Status.Code.CANCELLED || code == Status.Code.INTERNAL;
  }

  /** Stops issuing new increments and waits for those in progress (with ids: until they succeed). */
  public void stopAndWait() throws Exception {
    stopAt.set(System.nanoTime());
    stop.set(true);
    for (Future<?> writer : running) {
      writer.get(120, TimeUnit.SECONDS);
    }
  }

  public int counters() {
    return counters;
  }

  public String name(int counter) {
    return prefix + counter;
  }

  public long acknowledged(int counter) {
    return acknowledged.get(counter);
  }

  public long unknown(int counter) {
    return unknown.get(counter);
  }

  public long totalAcknowledged() {
    long total = 0;
    for (int c = 0; c < counters; c++) {
      total += acknowledged.get(c);
    }
    return total;
  }

  public long totalUnknown() {
    long total = 0;
    for (int c = 0; c < counters; c++) {
      total += unknown.get(c);
    }
    return total;
  }

  public long failedAttempts() {
    return failedAttempts.get();
  }

  public Map<String, AtomicLong> failuresByStatus() {
    return failuresByStatus;
  }

  @Override
  public void close() {
    stop.set(true);
    threads.shutdownNow();
    clients.forEach(CounterClient::close);
  }
}
