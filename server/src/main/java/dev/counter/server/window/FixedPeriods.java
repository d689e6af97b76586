package dev.counter.server.window;

/** Periods of a fixed length aligned to the Unix epoch (a 5 minute window starts at :00, :05, ...). */
public record FixedPeriods(long sizeMillis) implements Periods {
  public static final long MIN_MILLIS = 1_000;
  public static final long MAX_MILLIS = 366L * 24 * 3600 * 1000;

  public FixedPeriods {
    if (sizeMillis < MIN_MILLIS || sizeMillis > MAX_MILLIS) {
      throw new IllegalArgumentException("a fixed period is 1 s to 366 days, not " + sizeMillis + " ms");
    }
  }

  @Override
  public String id() {
    return "f" + sizeMillis;
  }

  @Override
  public long indexAt(long epochMillis) {
    return Math.floorDiv(epochMillis, sizeMillis);
  }

  @Override
  public long start(long index) {
    return index * sizeMillis;
  }

  @Override
  public long longestMillis() {
    return sizeMillis;
  }

  @Override
  public long shortestMillis() {
    return sizeMillis;
  }
}
