package dev.counter.cli.bench;

import java.util.List;

/**
 * The outcome of {@code --verify}: every counter's stored value compared with the deltas the
 * load test saw acknowledged.
 *
 * @param keys counters checked
 * @param acknowledged total of acknowledged deltas
 * @param stored total the server holds
 * @param exact true when no call ended without knowing whether it applied, so values must match exactly
 * @param mismatches one line per counter outside its expected range, or per window period that
 *     differs (empty when verified)
 * @param windowPeriods window periods checked (0 without --window)
 * @param limited the window check included a limit
 */
record Verification(int keys, long acknowledged, long stored, boolean exact, List<String> mismatches,
    int windowPeriods, boolean limited) {
  Verification(int keys, long acknowledged, long stored, boolean exact, List<String> mismatches) {
    this(keys, acknowledged, stored, exact, mismatches, 0, false);
  }

  boolean passed() {
    return mismatches.isEmpty();
  }

  /** This verification plus a window check of {@code periods} periods (and its problems). */
  Verification withWindows(int periods, List<String> problems, boolean withLimit) {
    List<String> all = new java.util.ArrayList<>(mismatches);
    all.addAll(problems);
    return new Verification(keys, acknowledged, stored, exact, all, periods, withLimit);
  }
}
