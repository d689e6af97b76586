package dev.counter.server.store;

import static java.util.Objects.requireNonNull;

import java.util.List;
import javax.annotation.Nullable;

/**
 * One atomic unit of increments for the store: every counter in it is in the same write group
 * ({@link IncrementWriter#groupOf}), and the store applies all of it or none of it.
 *
 * @param counters the counters and their increments, in order
 * @param token when present, resending this write (or a subset of it) applies it only once
 * @param opCount the number of increments across all counters (computed; any value given is ignored)
 */
public record IncrementWrite(List<CounterOps> counters, @Nullable WriteToken token, int opCount) {
  public IncrementWrite {
    requireNonNull(counters, "counters is null");
    if (counters.isEmpty()) {
      throw new IllegalArgumentException("a write needs at least one counter");
    }
    counters = List.copyOf(counters);
    int count = 0;
    for (CounterOps counter : counters) {
      count += counter.ops().size();
    }
    opCount = count;
  }

  public IncrementWrite(List<CounterOps> counters, @Nullable WriteToken token) {
    this(counters, token, 0);
  }
}
