package dev.counter.server.store;

import static java.util.Objects.requireNonNull;

import dev.counter.server.window.WindowSpec;
import java.util.List;

/**
 * What an increment carries besides its delta: windows it also counts into, limits that decide
 * whether it is applied, what that decision does, and an idle expiry. The store decides and
 * applies all of it atomically with the value.
 *
 * @param windows the windows, in request order
 * @param limits the limits, in request order; a window limit refers to one of {@code windows}
 * @param mode what a decision does
 * @param ttlMillis idle expiry of the counter, or 0 to leave its expiry as it is
 */
public record IncrementPolicy(List<WindowSpec> windows, List<LimitSpec> limits, LimitMode mode, long ttlMillis) {
  public IncrementPolicy {
    windows = List.copyOf(windows);
    limits = List.copyOf(limits);
    requireNonNull(mode, "mode is null");
    for (LimitSpec limit : limits) {
      if (limit.scope() != LimitSpec.Scope.VALUE && (limit.window() < 0 || limit.window() >= windows.size())) {
        throw new IllegalArgumentException("a window limit must name one of the increment's windows");
      }
    }
  }

  /** What a limit decision does. */
  public enum LimitMode {
    /** A denied increment applies nothing. */
    ENFORCE,
    /** Decide and report, always apply. */
    SHADOW,
    /** Decide and report, apply nothing. */
    DRY_RUN
  }
}
