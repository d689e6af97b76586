package dev.counter.server.config;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** Parses durations as people write them: {@code 250ms}, {@code 2s}, {@code 10m}, {@code 1h}, or ISO-8601 {@code PT10M}. */
public final class DurationConverter implements ITypeConverter<Duration> {
  private static final Pattern SIMPLE = Pattern.compile("(\\d+)(ms|s|m|h)");

  @Override
  public Duration convert(String value) {
    return parse(value);
  }

  /** Parses one duration, rejecting negative or malformed values with a message that says the format. */
  public static Duration parse(String value) {
    String trimmed = value.trim();
    Matcher simple = SIMPLE.matcher(trimmed);
    try {
      if (simple.matches()) {
        long amount = Long.parseLong(simple.group(1));
        return switch (simple.group(2)) {
          case "ms" -> Duration.ofMillis(amount);
          case "s" -> Duration.ofSeconds(amount);
          case "m" -> Duration.ofMinutes(amount);
          default -> Duration.ofHours(amount);
        };
      }
      Duration iso = Duration.parse(trimmed);
      if (!iso.isNegative()) {
        return iso;
      }
    } catch (RuntimeException e) {
      // fall through to the uniform message below
    }
    throw new TypeConversionException(
        "'" + value + "' is not a duration; use e.g. 250ms, 2s, 10m, 1h or PT10M");
  }
}
