package dev.counter.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class RequestIdsTest {
  private static final long GOLDEN_GAMMA = 0x9e3779b97f4a7c15L;

  @Test
  void idsAre22UrlSafeCharactersOf128Bits() {
    String id = RequestIds.next();

    assertThat(id).hasSize(22).matches("[A-Za-z0-9_-]+");
    assertThat(Base64.getUrlDecoder().decode(id)).hasSize(16);
  }

  @Test
  void idsNeverRepeatAcrossThreads() throws Exception {
    ExecutorService threads = Executors.newFixedThreadPool(8);
    Set<String> ids = ConcurrentHashMap.newKeySet();
    List<Future<?>> running = new ArrayList<>();
    for (int t = 0; t < 8; t++) {
      running.add(threads.submit(() -> {
        for (int i = 0; i < 50_000; i++) {
          ids.add(RequestIds.next());
        }
      }));
    }
    for (Future<?> thread : running) {
      thread.get();
    }
    threads.shutdown();

    assertThat(ids).hasSize(8 * 50_000);
  }

  /**
   * The defect this guards against: ids made of two consecutive {@code ThreadLocalRandom} longs
   * carry 64 bits, because the second long follows from the first (its output mixer inverts and
   * the seed advances by a per-thread constant). Predict the second half from the first as that
   * generator would: for real 128-bit ids the prediction never holds.
   */
  @Test
  void theSecondHalfDoesNotFollowFromTheFirst() {
    long threadGamma = (Thread.currentThread().getId() << 1) + GOLDEN_GAMMA;
    Set<Long> distinctHighs = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      ByteBuffer bytes = ByteBuffer.wrap(Base64.getUrlDecoder().decode(RequestIds.next()));
      long high = bytes.getLong();
      long low = bytes.getLong();
      distinctHighs.add(high);
      long seed = unmix(high);
      assertThat(low).as("id %d: second half predicted from the first", i)
          .isNotEqualTo(mix(seed + threadGamma))
          .isNotEqualTo(mix(seed + GOLDEN_GAMMA));
    }
    assertThat(distinctHighs).as("one process draws one random base").hasSizeLessThanOrEqualTo(2);
  }

  /** ThreadLocalRandom's output mixer (Murmur3's 64-bit finalizer). */
  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb9fe1a85ec53L;
    return z ^ (z >>> 33);
  }

  private static long unmix(long z) {
    z = z ^ (z >>> 33);
    z *= inverse(0xc4ceb9fe1a85ec53L);
    z = z ^ (z >>> 33);
    z *= inverse(0xff51afd7ed558ccdL);
    return z ^ (z >>> 33);
  }

  /** The multiplicative inverse of an odd number modulo 2^64 (Newton's iteration). */
  private static long inverse(long odd) {
    long inverse = odd;
    for (int i = 0; i < 6; i++) {
      inverse *= 2 - odd * inverse;
    }
    return inverse;
  }

  @Test
  void theTestsPredictorRecognisesTheOldGenerator() {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    long first = random.nextLong();
    long second = random.nextLong();

    assertThat(second).isEqualTo(mix(unmix(first) + (Thread.currentThread().getId() << 1) + GOLDEN_GAMMA));
  }
}
