package dev.counter.cli;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses durations as people write them: {@code 250ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 7d}, or
 * ISO-8601 ({@code PT10S}); negative or malformed values are rejected with a message that shows
 * the format. The server parses its flags with its own DurationFlag (no days), so that it does not
 * depend on this artifact.
 */
public final class DurationOption implements ITypeConverter<Duration> {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h|d)");

  @Override
  public Duration convert(String value) {
    Matcher simple = SIMPLE.matcher(value.trim());
    try {
      if (simple.matches()) {
        long amount = Long.parseLong(simple.group(1));
        return switch (simple.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          case "h" -> Duration.ofHours(amount);
          default -> Duration.ofDays(amount);
        };
      }
      Duration iso = Duration.parse(value.trim());
      if (!iso.isNegative()) {
        return iso;
      }
    } catch (RuntimeException e) {
      // reported below
    }
    throw new TypeConversionException("'" + value + "' is not a duration; use e.g. 500ms, 10s, 5m, 1h, 1d or PT10S");
  }
}
