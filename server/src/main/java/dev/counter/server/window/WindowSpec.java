package dev.counter.server.window;

import static java.util.Objects.requireNonNull;

/**
 * One window an increment counts into: its periods and how long a bucket is kept after its period
 * ended. Windows with the same {@link Periods#id()} share their buckets whatever their retention.
 */
public record WindowSpec(Periods periods, long retentionMillis) {
  /** Buckets a window keeps per counter at most (the ring of slots its hash holds). */
  public static final int RING_SLOTS = 4100;
  /** The longest retention, in periods, and the most periods one read or sliding limit covers. */
  public static final int MAX_PERIODS = 4096;
  /** Retention when a request names none, in periods. */
  public static final int DEFAULT_RETENTION_PERIODS = 60;

  public WindowSpec {
    requireNonNull(periods, "periods is null");
    if (retentionMillis < 1 || retentionMillis > maxRetentionMillis(periods)) {
      throw new IllegalArgumentException("retention must be positive and at most " + MAX_PERIODS + " periods");
    }
  }

  /** The longest retention the ring can hold for these periods: {@value #MAX_PERIODS} of the shortest. */
  public static long maxRetentionMillis(Periods periods) {
    return MAX_PERIODS * periods.shortestMillis();
  }

  /** The retention of a window whose request names none, long enough for {@code slidingPeriods}. */
  public static long defaultRetentionMillis(Periods periods, int slidingPeriods) {
    return Math.max(DEFAULT_RETENTION_PERIODS, slidingPeriods) * periods.longestMillis();
  }

  /** The shortest retention that keeps every bucket a sliding sum of {@code slidingPeriods} reads. */
  public static long minRetentionMillis(Periods periods, int slidingPeriods) {
    return Math.max(1, slidingPeriods) * periods.longestMillis();
  }

  public String id() {
    return periods.id();
  }
}
