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
 * @param mismatches one line per counter outside its expected range (empty when verified)
 */
record Verification(int keys, long acknowledged, long stored, boolean exact, List<String> mismatches) {
  boolean passed() {
    return mismatches.isEmpty();
  }
}
