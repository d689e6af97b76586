package dev.counter.server.batching;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.store.BulkReader;
import dev.counter.server.store.StoreUnavailableException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The read coalescer with a hand-driven trigger and a recording reader (no Redis: unit scope). */
class ReadCoalescerTest {
  private final Queue<Runnable> bursts = new ArrayDeque<>();
  private final RecordingReader store = new RecordingReader();
  private final ReadCoalescer coalescer = new ReadCoalescer(store, bursts::add);

  @Test
  void readsOfOneBurstGoOutTogetherOncePerCounter() {
    CompletableFuture<Long> a1 = coalescer.get("a").toCompletableFuture();
    CompletableFuture<Long> b = coalescer.get("b").toCompletableFuture();
    CompletableFuture<Long> a2 = coalescer.get("a").toCompletableFuture();

    assertThat(bursts).as("one burst task for the three reads").hasSize(1);
    assertThat(store.requests).as("nothing read before the burst ends").isEmpty();
    bursts.poll().run();

    assertThat(store.requests).containsExactly(List.of("a", "b"));
    store.complete("a", 7);
    store.complete("b", -3);
    assertThat(a1).isCompletedWithValue(7L);
    assertThat(a2).isCompletedWithValue(7L);
    assertThat(b).isCompletedWithValue(-3L);
  }

  @Test
  void aReadArrivingAfterABurstWasSentGoesInTheNextOneAndIsNotHeldBack() {
    CompletableFuture<Long> first = coalescer.get("a").toCompletableFuture();
    bursts.poll().run();
    // The first read is still in flight; a new read must not wait for it (unlike increments).
    CompletableFuture<Long> second = coalescer.get("a").toCompletableFuture();
    assertThat(bursts).hasSize(1);
    bursts.poll().run();

    assertThat(store.requests).containsExactly(List.of("a"), List.of("a"));
    store.completeRequest(1, "a", 2);
    assertThat(second).isCompletedWithValue(2L);
    assertThat(first).isNotDone();
    store.completeRequest(0, "a", 1);
    assertThat(first).isCompletedWithValue(1L);
  }

  @Test
  void aFailedReadFailsOnlyItsOwnCounter() {
    CompletableFuture<Long> bad = coalescer.get("bad").toCompletableFuture();
    CompletableFuture<Long> good = coalescer.get("good").toCompletableFuture();
    bursts.poll().run();

    store.fail("bad", new StoreUnavailableException("down"));
    store.complete("good", 5);

    assertThat(good).isCompletedWithValue(5L);
    assertThat(bad).isCompletedExceptionally();
    assertThat(bad.handle((value, error) -> error).join())
        .isInstanceOfAny(StoreUnavailableException.class, CompletionException.class);
  }

  @Test
  void aReaderThatThrowsFailsTheWholeBurstWithoutLosingAnyRead() {
    store.throwOnNext = new StoreUnavailableException("not connected");
    CompletableFuture<Long> a = coalescer.get("a").toCompletableFuture();
    CompletableFuture<Long> b = coalescer.get("b").toCompletableFuture();
    bursts.poll().run();

    assertThat(a).isCompletedExceptionally();
    assertThat(b).isCompletedExceptionally();
    // The next burst works again.
    CompletableFuture<Long> c = coalescer.get("c").toCompletableFuture();
    bursts.poll().run();
    store.complete("c", 1);
    assertThat(c).isCompletedWithValue(1L);
  }

  /** Records every getEach call and lets the test complete its futures. */
  private static final class RecordingReader implements BulkReader {
    final List<List<String>> requests = new ArrayList<>();
    final List<Map<String, CompletableFuture<Long>>> pending = new ArrayList<>();
    RuntimeException throwOnNext;

    @Override
    public List<CompletableFuture<Long>> getEach(List<String> names) {
      if (throwOnNext != null) {
        RuntimeException e = throwOnNext;
        throwOnNext = null;
        throw e;
      }
      requests.add(List.copyOf(names));
      Map<String, CompletableFuture<Long>> futures = new LinkedHashMap<>();
      names.forEach(name -> futures.put(name, new CompletableFuture<>()));
      pending.add(futures);
      return new ArrayList<>(futures.values());
    }

    void complete(String name, long value) {
      completeRequest(pending.size() - 1, name, value);
    }

    void completeRequest(int request, String name, long value) {
      pending.get(request).get(name).complete(value);
    }

    void fail(String name, Throwable error) {
      pending.get(pending.size() - 1).get(name).completeExceptionally(error);
    }
  }
}
