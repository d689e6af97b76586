package dev.counter.server.store;

import java.math.BigInteger;
import java.util.Collection;

/**
 * Sums shard values exactly. Shards can individually sit near the int64 limits while their total
 * is in range (+MAX on one node, -10 on another), so an intermediate overflow falls back to
 * {@link BigInteger} instead of failing.
 */
public final class ShardSum {
  private ShardSum() {}

  /** Sums decimal int64 strings, as Redis returns them. */
  public static long of(Collection<String> shardValues) {
    long[] shards = new long[shardValues.size()];
    int i = 0;
    for (String value : shardValues) {
      shards[i++] = Long.parseLong(value);
    }
    return sum(shards);
  }

  /**
   * Sums the comma-separated decimal int64s of {@code joined} from index {@code from} on (as the
   * flush script returns them; nothing after {@code from} means no shards, 0).
   */
  public static long ofJoined(String joined, int from) {
    int length = joined.length();
    if (from >= length) {
      return 0;
    }
    int count = 1;
    for (int i = from; i < length; i++) {
      if (joined.charAt(i) == ',') {
        count++;
      }
    }
    long[] shards = new long[count];
    int start = from;
    for (int k = 0; k < count; k++) {
      int end = joined.indexOf(',', start);
      if (end < 0) {
        end = length;
      }
      shards[k] = Long.parseLong(joined, start, end, 10);
      start = end + 1;
    }
    return sum(shards);
  }

  /** Sums shard values. */
  public static long ofValues(Collection<Long> shardValues) {
    long[] shards = new long[shardValues.size()];
    int i = 0;
    for (long value : shardValues) {
      shards[i++] = value;
    }
    return sum(shards);
  }

  private static long sum(long[] shards) {
    long sum = 0;
    for (long shard : shards) {
      try {
        sum = Math.addExact(sum, shard);
      } catch (ArithmeticException intermediateOverflow) {
        return bigSum(shards);
      }
    }
    return sum;
  }

  private static long bigSum(long[] shards) {
    BigInteger sum = BigInteger.ZERO;
    for (long shard : shards) {
      sum = sum.add(BigInteger.valueOf(shard));
    }
    // The flush script keeps every counter's total in range, so this only fails on foreign data.
    try {
      return sum.longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalStateException("shards sum to " + sum + ", outside the int64 range", e);
    }
  }
}
