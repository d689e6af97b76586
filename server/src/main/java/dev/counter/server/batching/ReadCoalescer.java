package dev.counter.server.batching;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.BulkReader;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Coalesces concurrent {@code Get}s: reads queued in one burst of work (one socket read of the
 * transport, say) go to the store together, one read per distinct counter, in one round trip.
 * Unlike increments, reads never wait for each other's completion: a burst is sent as soon as the
 * {@link FlushTrigger} runs it, however many reads are in flight, so a slow read holds nothing
 * back. Every read is issued after its call arrived, so it sees every increment acknowledged
 * before. Thread-safe.
 */
public final class ReadCoalescer implements CounterReader {
  private final BulkReader store;
  private final FlushTrigger trigger;
  private final RecentValues recent;
  private final ConcurrentLinkedQueue<PendingRead> queue = new ConcurrentLinkedQueue<>();
  /** A burst task is scheduled on the trigger and has not started draining yet. */
  private final AtomicBoolean scheduled = new AtomicBoolean();

  public ReadCoalescer(BulkReader store, FlushTrigger trigger) {
    this(store, trigger, new RecentValues(0));
  }

  /** @param recent told every value read, for bounded-staleness reads */
  public ReadCoalescer(BulkReader store, FlushTrigger trigger, RecentValues recent) {
    this.store = requireNonNull(store, "store is null");
    this.trigger = requireNonNull(trigger, "trigger is null");
    this.recent = requireNonNull(recent, "recent is null");
  }

  @Override
  public CompletionStage<Long> get(String name) {
    PendingRead read = new PendingRead(name, new CompletableFuture<>());
    queue.add(read);
    if (scheduled.compareAndSet(false, true)) {
      trigger.trigger(this::sendBurst);
    }
    return read.value();
  }

  private void sendBurst() {
    // Cleared before draining: a read queued from here on schedules the next burst itself.
    scheduled.set(false);
    Map<String, List<CompletableFuture<Long>>> waitersByName = new LinkedHashMap<>();
    for (PendingRead read; (read = queue.poll()) != null; ) {
      waitersByName.computeIfAbsent(read.name(), name -> new ArrayList<>(1)).add(read.value());
    }
    if (waitersByName.isEmpty()) {
      return;
    }
    List<String> names = new ArrayList<>(waitersByName.keySet());
    long sentNanos = System.nanoTime();
    List<CompletableFuture<Long>> values;
    try {
      values = store.getEach(names);
    } catch (RuntimeException e) {
      waitersByName.values().forEach(waiters -> waiters.forEach(waiter -> waiter.completeExceptionally(e)));
      return;
    }
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      List<CompletableFuture<Long>> waiters = waitersByName.get(name);
      values.get(i).whenComplete((value, error) -> {
        if (error == null) {
          recent.observe(name, value, sentNanos);
        }
        for (CompletableFuture<Long> waiter : waiters) {
          if (error != null) {
            waiter.completeExceptionally(error);
          } else {
            waiter.complete(value);
          }
        }
      });
    }
  }

  private record PendingRead(String name, CompletableFuture<Long> value) {}
}
