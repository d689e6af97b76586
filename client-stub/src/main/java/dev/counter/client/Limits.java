package dev.counter.client;

import dev.counter.v1.Limit;
import dev.counter.v1.LimitScope;

/**
 * Builds the {@link Limit}s that decide whether an increment is applied. A window limit refers to
 * a window of the same request by its index in {@code windows}. Bounds are inclusive.
 */
public final class Limits {
  private Limits() {}

  /** The counter's value may reach at most {@code max} (a lifetime quota). */
  public static Limit valueAtMost(long max) {
    return Limit.newBuilder().setScope(LimitScope.LIMIT_SCOPE_VALUE).setMax(max).build();
  }

  /** The counter's value may not go below {@code min} (stock that must never go below 0). */
  public static Limit valueAtLeast(long min) {
    return Limit.newBuilder().setScope(LimitScope.LIMIT_SCOPE_VALUE).setMin(min).build();
  }

  /** The current period of window {@code window} may hold at most {@code max} (N per minute, per month). */
  public static Limit perPeriod(int window, long max) {
    return Limit.newBuilder().setScope(LimitScope.LIMIT_SCOPE_PERIOD).setWindow(window).setMax(max).build();
  }

  /**
   * The last {@code periods} periods of window {@code window}, the current one included, may hold at
   * most {@code max} (N in any 60 s, at the window's resolution).
   */
  public static Limit sliding(int window, int periods, long max) {
    return Limit.newBuilder().setScope(LimitScope.LIMIT_SCOPE_SLIDING).setWindow(window).setPeriods(periods)
        .setMax(max).build();
  }
}
