package dev.counter.cli;

import dev.counter.v1.Period;
import java.time.Instant;

/** How the CLI prints times: instants in ISO-8601 UTC, durations like 1.5s. */
final class Times {
  private Times() {}

  static Instant instant(com.google.protobuf.Timestamp timestamp) {
    return Instant.ofEpochSecond(timestamp.getSeconds(), timestamp.getNanos());
  }

  static String period(Period period) {
    return instant(period.getStart()) + " .. " + instant(period.getEnd());
  }

  static String duration(com.google.protobuf.Duration duration) {
    long millis = duration.getSeconds() * 1000 + duration.getNanos() / 1_000_000;
    return millis < 1000 ? millis + "ms" : String.format(java.util.Locale.ROOT, "%.1fs", millis / 1000.0);
  }
}
