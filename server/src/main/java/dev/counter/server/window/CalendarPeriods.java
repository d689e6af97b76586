package dev.counter.server.window;

import static java.util.Objects.requireNonNull;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;

/**
 * Calendar periods in a time zone: days from local midnight, ISO weeks from Monday, months from
 * the 1st, years from January 1st. A period starts at the first instant of its first local day
 * (midnight, or later when a DST change skips midnight), so days last 23 to 25 hours around DST.
 *
 * <p>Indexes: days since 1970-01-01 (local dates), weeks since the one containing it, months
 * since January 1970, and the year itself.
 */
public record CalendarPeriods(Unit unit, ZoneId zone) implements Periods {
  /** The calendar unit of a period. */
  public enum Unit {
    // DST changes shift a period by at most an hour in today's zones (Lord Howe: 30 min). Rare
    // historical changes were bigger (Samoa skipped 2011-12-30): the ring keeps spare slots.
    DAY("D", Duration.ofHours(23), Duration.ofHours(25)),
    WEEK("W", Duration.ofDays(7).minusHours(1), Duration.ofDays(7).plusHours(1)),
    MONTH("M", Duration.ofDays(28).minusHours(1), Duration.ofDays(31).plusHours(1)),
    YEAR("Y", Duration.ofDays(365).minusHours(1), Duration.ofDays(366).plusHours(1));

    private final String code;
    private final Duration shortest;
    private final Duration longest;

    Unit(String code, Duration shortest, Duration longest) {
      this.code = code;
      this.shortest = shortest;
      this.longest = longest;
    }
  }

  /** Monday 1969-12-29 is the first day of week 0 (1970-01-01 was a Thursday). */
  private static final long WEEK_ZERO_EPOCH_DAY = -3;

  public CalendarPeriods {
    requireNonNull(unit, "unit is null");
    requireNonNull(zone, "zone is null");
  }

  @Override
  public String id() {
    return "c" + unit.code + ":" + zone.getId();
  }

  @Override
  public long indexAt(long epochMillis) {
    LocalDate date = LocalDate.ofInstant(Instant.ofEpochMilli(epochMillis), zone);
    return switch (unit) {
      case DAY -> date.toEpochDay();
      case WEEK -> Math.floorDiv(date.toEpochDay() - WEEK_ZERO_EPOCH_DAY, 7);
      case MONTH -> (date.getYear() - 1970L) * 12 + date.getMonthValue() - 1;
      case YEAR -> date.getYear();
    };
  }

  @Override
  public long start(long index) {
    return firstDay(index).atStartOfDay(zone).toInstant().toEpochMilli();
  }

  /** The local date period {@code index} starts on. */
  public LocalDate firstDay(long index) {
    return switch (unit) {
      case DAY -> LocalDate.ofEpochDay(index);
      case WEEK -> LocalDate.ofEpochDay(WEEK_ZERO_EPOCH_DAY + index * 7);
      case MONTH -> LocalDate.of(1970, 1, 1).plus(index, ChronoUnit.MONTHS);
      case YEAR -> LocalDate.of(Math.toIntExact(index), 1, 1);
    };
  }

  @Override
  public long longestMillis() {
    return unit.longest.toMillis();
  }

  @Override
  public long shortestMillis() {
    return unit.shortest.toMillis();
  }

}
