package dev.counter.server.window;

/**
 * The periods of a time window: how instants map to period indexes and back. Indexes are
 * consecutive integers (period {@code i + 1} starts where period {@code i} ends); times are epoch
 * milliseconds. Pure functions of their arguments.
 */
public sealed interface Periods permits FixedPeriods, CalendarPeriods {
  /** Identifies the window in key names: two windows with the same periods have the same id. */
  String id();

  /** The index of the period that contains {@code epochMillis}. */
  long indexAt(long epochMillis);

  /** The first instant of period {@code index}. */
  long start(long index);

  /** The first instant after period {@code index}. */
  default long end(long index) {
    return start(index + 1);
  }

  /** The longest a period can last (for retention bounds: 24 h days become 25 h at a DST change). */
  long longestMillis();

  /** The shortest a period can last. */
  long shortestMillis();
}
