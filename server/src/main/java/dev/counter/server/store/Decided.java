package dev.counter.server.store;

import java.util.List;

/**
 * The outcome of an increment that carried an {@link IncrementPolicy}: whether it was applied,
 * what its limits decided, and what each window and limit looked like. A retry of it (same request
 * id) gets exactly this again.
 *
 * @param applied the delta was added (to the value and every window)
 * @param decision what the limits decided
 * @param value the counter's value after the increment when applied, else as it was
 * @param windows for each window of the policy: the period the increment landed in, and its total
 * @param limits for each limit of the policy, in order
 * @param retryAfterMillis when denied, how long until the same delta would first fit; -1 when it
 *     never will by time alone, or when not denied
 */
public record Decided(boolean applied, Decision decision, long value, List<WindowPeriod> windows,
    List<LimitStatus> limits, long retryAfterMillis) {
  public Decided {
    windows = List.copyOf(windows);
    limits = List.copyOf(limits);
  }

  /** What the limits of an increment decided. */
  public enum Decision {
    /** The increment carried no limits. */
    NONE,
    ALLOWED,
    DENIED
  }

  /** A window's period [startMillis, endMillis) and its total. */
  public record WindowPeriod(long startMillis, long endMillis, long value) {}

  /**
   * One limit's view: the limited sum (after the increment when applied), how far it is from the
   * bound, whether the increment would exceed it, and the time range the sum covers (-1s for the
   * value).
   */
  public record LimitStatus(long sum, long remaining, boolean exceeded, long coveredStartMillis,
      long coveredEndMillis) {}
}
