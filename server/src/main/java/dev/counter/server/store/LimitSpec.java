package dev.counter.server.store;

import static java.util.Objects.requireNonNull;

import javax.annotation.Nullable;

/**
 * A bound on a sum an increment changes: the counter's value, a window's current period, or a
 * window's last {@code periods} periods. The increment fits when the sum after it stays within
 * [{@code min}, {@code max}] (each inclusive, null for none).
 *
 * @param window index of the window in the increment's {@link IncrementPolicy#windows()}, or -1
 * @param periods for {@link Scope#SLIDING}: how many periods, the current one included; else 1
 */
public record LimitSpec(Scope scope, int window, int periods, @Nullable Long min, @Nullable Long max) {
  /** Which sum a limit bounds. */
  public enum Scope {
    VALUE,
    PERIOD,
    SLIDING
  }

  public LimitSpec {
    requireNonNull(scope, "scope is null");
    if (min == null && max == null) {
      throw new IllegalArgumentException("a limit needs a min or a max");
    }
    if (min != null && max != null && min > max) {
      throw new IllegalArgumentException("min is above max");
    }
    if (periods < 1) {
      throw new IllegalArgumentException("periods must be at least 1");
    }
  }
}
