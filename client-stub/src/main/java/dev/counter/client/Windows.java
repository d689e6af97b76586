package dev.counter.client;

import dev.counter.v1.CalendarUnit;
import dev.counter.v1.CalendarWindow;
import dev.counter.v1.Window;
import java.time.Duration;
import java.time.ZoneId;

/**
 * Builds the {@link Window}s an increment counts into, and that reads name: fixed periods aligned
 * to the Unix epoch, or calendar periods in a time zone. The server keeps 60 periods of buckets
 * unless told otherwise ({@link #retained}).
 */
public final class Windows {
  private Windows() {}

  /** Periods of {@code period} (1 s to 366 days, whole milliseconds), aligned to the Unix epoch. */
  public static Window fixed(Duration period) {
    return Window.newBuilder().setFixed(duration(period)).build();
  }

  /** Calendar days from local midnight in {@code zone}. */
  public static Window days(ZoneId zone) {
    return calendar(CalendarUnit.CALENDAR_UNIT_DAY, zone);
  }

  /** ISO weeks (Monday to Monday) in {@code zone}. */
  public static Window weeks(ZoneId zone) {
    return calendar(CalendarUnit.CALENDAR_UNIT_WEEK, zone);
  }

  /** Calendar months in {@code zone}. */
  public static Window months(ZoneId zone) {
    return calendar(CalendarUnit.CALENDAR_UNIT_MONTH, zone);
  }

  /** Calendar years in {@code zone}. */
  public static Window years(ZoneId zone) {
    return calendar(CalendarUnit.CALENDAR_UNIT_YEAR, zone);
  }

  /** {@code window} with its buckets kept for {@code retention} after their period ended. */
  public static Window retained(Window window, Duration retention) {
    return window.toBuilder().setRetention(duration(retention)).build();
  }

  static com.google.protobuf.Duration duration(Duration duration) {
    return com.google.protobuf.Duration.newBuilder().setSeconds(duration.getSeconds()).setNanos(duration.getNano())
        .build();
  }

  private static Window calendar(CalendarUnit unit, ZoneId zone) {
    return Window.newBuilder().setCalendar(CalendarWindow.newBuilder().setUnit(unit).setTimeZone(zone.getId())).build();
  }
}
