package dev.counter.cli;

import dev.counter.client.Windows;
import dev.counter.v1.Window;
import java.time.DateTimeException;
import java.time.ZoneId;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Parses a window as people write it: a fixed period ({@code 1s}, {@code 5m}, {@code 1h},
 * {@code 1d}) or a calendar one ({@code day}, {@code week}, {@code month}, {@code year}) with an
 * optional {@code @ZONE} ({@code month@Asia/Kolkata}; UTC by default).
 */
public final class WindowOption implements ITypeConverter<Window> {
  @Override
  public Window convert(String value) {
    String[] parts = value.split("@", 2);
    ZoneId zone = ZoneId.of("UTC");
    if (parts.length == 2) {
      try {
        zone = ZoneId.of(parts[1]);
      } catch (DateTimeException e) {
        throw new TypeConversionException("'" + parts[1] + "' is not a time zone; use an IANA id like Europe/Paris");
      }
    }
    switch (parts[0].toLowerCase(Locale.ROOT)) {
      case "day" -> {
        return Windows.days(zone);
      }
      case "week" -> {
        return Windows.weeks(zone);
      }
      case "month" -> {
        return Windows.months(zone);
      }
      case "year" -> {
        return Windows.years(zone);
      }
      default -> {
        if (parts.length == 2) {
          throw new TypeConversionException("only calendar windows (day, week, month, year) take a @ZONE");
        }
        return Windows.fixed(new DurationOption().convert(parts[0]));
      }
    }
  }
}
