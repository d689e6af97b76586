package dev.counter.cli.bench;

import java.util.SplittableRandom;

/** How a load test picks the counter of each call among {@code --keys} counters. */
public enum KeyDistribution {
  /** Every call goes to counter 0: the worst case for contention, the best for batching. */
  HOT,
  /** Every counter equally often. */
  UNIFORM,
  /** Counter k with probability proportional to 1 / (k + 1)^s (s = 1 by default). */
  ZIPF,
  /** Counters in turn, 0, 1, 2, ...: N calls touch min(N, keys) distinct counters. */
  SEQUENTIAL;

  /** A chooser over {@code keys} counters. */
  public KeyChooser chooser(int keys, double zipfExponent) {
    return switch (this) {
      case HOT -> random -> 0;
      case UNIFORM -> random -> random.nextInt(keys);
      case ZIPF -> new Zipf(keys, zipfExponent);
      case SEQUENTIAL -> {
        java.util.concurrent.atomic.AtomicLong next = new java.util.concurrent.atomic.AtomicLong();
        yield random -> (int) (next.getAndIncrement() % keys);
      }
    };
  }

  /** Picks a key index. Implementations are immutable; randomness comes from the caller. */
  @FunctionalInterface
  public interface KeyChooser {
    int next(SplittableRandom random);
  }

  /** Inverse-CDF sampling over a precomputed table (8 bytes per key). */
  private static final class Zipf implements KeyChooser {
    private final double[] cumulative;

    Zipf(int keys, double exponent) {
      cumulative = new double[keys];
      double sum = 0;
      for (int k = 0; k < keys; k++) {
        sum += 1.0 / Math.pow(k + 1, exponent);
        cumulative[k] = sum;
      }
      for (int k = 0; k < keys; k++) {
        cumulative[k] /= sum;
      }
    }

    @Override
    public int next(SplittableRandom random) {
      double u = random.nextDouble();
      int low = 0;
      int high = cumulative.length - 1;
      while (low < high) {
        int middle = (low + high) >>> 1;
        if (cumulative[middle] < u) {
          low = middle + 1;
        } else {
          high = middle;
        }
      }
      return low;
    }
  }
}
