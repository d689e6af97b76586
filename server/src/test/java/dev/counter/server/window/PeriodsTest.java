package dev.counter.server.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Period arithmetic on fixed instants: the boundaries a window's buckets follow. */
class PeriodsTest {
  private static final ZoneId NEW_YORK = ZoneId.of("America/New_York");
  private static final ZoneId KOLKATA = ZoneId.of("Asia/Kolkata");

  @Test
  void fixedPeriodsAreAlignedToTheEpoch() {
    FixedPeriods fiveMinutes = new FixedPeriods(Duration.ofMinutes(5).toMillis());
    long at = Instant.parse("2026-12-01T10:07:30Z").toEpochMilli();

    long index = fiveMinutes.indexAt(at);

    assertThat(Instant.ofEpochMilli(fiveMinutes.start(index))).isEqualTo(Instant.parse("2026-12-01T10:05:00Z"));
    assertThat(Instant.ofEpochMilli(fiveMinutes.end(index))).isEqualTo(Instant.parse("2026-12-01T10:10:00Z"));
    assertThat(fiveMinutes.indexAt(-1)).as("before the epoch").isEqualTo(-1);
    assertThat(fiveMinutes.id()).isEqualTo("f300000");
  }

  @Test
  void fixedPeriodsMustBeOneSecondToAYear() {
    assertThatThrownBy(() -> new FixedPeriods(999)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new FixedPeriods(Duration.ofDays(367).toMillis()))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void newYorkDaysAcrossTheSpringDstChangeLast23Hours() {
    CalendarPeriods days = new CalendarPeriods(CalendarPeriods.Unit.DAY, NEW_YORK);
    // 2026-03-08: clocks go from 02:00 EST to 03:00 EDT.
    long index = days.indexAt(Instant.parse("2026-03-08T12:00:00Z").toEpochMilli());

    assertThat(Instant.ofEpochMilli(days.start(index))).isEqualTo(Instant.parse("2026-03-08T05:00:00Z"));
    assertThat(Instant.ofEpochMilli(days.end(index))).isEqualTo(Instant.parse("2026-03-09T04:00:00Z"));
    assertThat(days.indexAt(Instant.parse("2026-03-09T03:59:59.999Z").toEpochMilli())).isEqualTo(index);
    assertThat(days.indexAt(Instant.parse("2026-03-09T04:00:00Z").toEpochMilli())).isEqualTo(index + 1);
  }

  @Test
  void newYorkDaysAcrossTheAutumnDstChangeLast25Hours() {
    CalendarPeriods days = new CalendarPeriods(CalendarPeriods.Unit.DAY, NEW_YORK);
    // 2026-11-01: clocks go from 02:00 EDT back to 01:00 EST.
    long index = days.indexAt(Instant.parse("2026-11-01T12:00:00Z").toEpochMilli());

    assertThat(Duration.ofMillis(days.end(index) - days.start(index))).isEqualTo(Duration.ofHours(25));
    assertThat(Instant.ofEpochMilli(days.start(index))).isEqualTo(Instant.parse("2026-11-01T04:00:00Z"));
  }

  @Test
  void kolkataMonthsEndAtLocalMidnightHalfAnHourOffTheUtcHour() {
    CalendarPeriods months = new CalendarPeriods(CalendarPeriods.Unit.MONTH, KOLKATA);
    long january = months.indexAt(Instant.parse("2026-01-31T18:29:59.999Z").toEpochMilli());
    long february = months.indexAt(Instant.parse("2026-01-31T18:30:00Z").toEpochMilli());

    assertThat(february).isEqualTo(january + 1);
    assertThat(Instant.ofEpochMilli(months.start(february))).isEqualTo(Instant.parse("2026-01-31T18:30:00Z"));
    assertThat(Instant.ofEpochMilli(months.end(february))).isEqualTo(Instant.parse("2026-02-28T18:30:00Z"));
    // A leap February.
    long leap = months.indexAt(Instant.parse("2028-02-15T00:00:00Z").toEpochMilli());
    assertThat(Instant.ofEpochMilli(months.end(leap))).isEqualTo(Instant.parse("2028-02-29T18:30:00Z"));
  }

  @Test
  void newYorkMonthsStartAtLocalMidnightOnEitherSideOfDst() {
    CalendarPeriods months = new CalendarPeriods(CalendarPeriods.Unit.MONTH, NEW_YORK);
    long march = months.indexAt(Instant.parse("2026-03-15T00:00:00Z").toEpochMilli());

    assertThat(Instant.ofEpochMilli(months.start(march))).isEqualTo(Instant.parse("2026-03-01T05:00:00Z"));
    assertThat(Instant.ofEpochMilli(months.end(march))).isEqualTo(Instant.parse("2026-04-01T04:00:00Z"));
    assertThat(months.indexAt(Instant.parse("2026-04-01T03:59:59.999Z").toEpochMilli())).isEqualTo(march);
  }

  @Test
  void isoWeeksStartOnMonday() {
    CalendarPeriods weeks = new CalendarPeriods(CalendarPeriods.Unit.WEEK, ZoneId.of("UTC"));
    // Sunday 2026-12-06 belongs to the week of Monday 2026-11-30.
    long index = weeks.indexAt(Instant.parse("2026-12-06T23:59:59Z").toEpochMilli());

    assertThat(Instant.ofEpochMilli(weeks.start(index))).isEqualTo(Instant.parse("2026-11-30T00:00:00Z"));
    assertThat(Instant.ofEpochMilli(weeks.end(index))).isEqualTo(Instant.parse("2026-12-07T00:00:00Z"));
    assertThat(weeks.indexAt(0)).as("1970-01-01, a Thursday, is in week 0").isZero();
  }

  @Test
  void yearsAndTheirIds() {
    CalendarPeriods years = new CalendarPeriods(CalendarPeriods.Unit.YEAR, KOLKATA);
    long index = years.indexAt(Instant.parse("2026-12-31T18:29:59Z").toEpochMilli());

    assertThat(index).isEqualTo(2026);
    assertThat(years.indexAt(Instant.parse("2026-12-31T18:30:00Z").toEpochMilli())).isEqualTo(2027);
    assertThat(years.id()).isEqualTo("cY:Asia/Kolkata");
  }

  @Test
  void aDayWhoseMidnightDoesNotExistStartsAtItsFirstInstant() {
    // Sao Paulo moved its clocks from 00:00 to 01:00 on 2018-11-04.
    CalendarPeriods days = new CalendarPeriods(CalendarPeriods.Unit.DAY, ZoneId.of("America/Sao_Paulo"));
    long index = days.indexAt(Instant.parse("2018-11-04T12:00:00Z").toEpochMilli());

    assertThat(Instant.ofEpochMilli(days.start(index))).isEqualTo(Instant.parse("2018-11-04T03:00:00Z"));
  }

  @Test
  void everyPeriodStartsWhereThePreviousEndsAndContainsItsStart() {
    Random random = new Random(5);
    List<Periods> all = List.of(new FixedPeriods(1000), new FixedPeriods(Duration.ofDays(7).toMillis()),
        new CalendarPeriods(CalendarPeriods.Unit.DAY, NEW_YORK), new CalendarPeriods(CalendarPeriods.Unit.WEEK, KOLKATA),
        new CalendarPeriods(CalendarPeriods.Unit.MONTH, ZoneId.of("Australia/Lord_Howe")),
        new CalendarPeriods(CalendarPeriods.Unit.YEAR, ZoneId.of("Pacific/Apia")));
    for (Periods periods : all) {
      for (int i = 0; i < 2000; i++) {
        // From 2012 on: in 2011 Samoa (Pacific/Apia) skipped a whole day when it crossed the date line.
        long at = Instant.parse("2012-01-01T00:00:00Z").toEpochMilli()
            + (long) (random.nextDouble() * Duration.ofDays(365L * 40).toMillis());
        long index = periods.indexAt(at);
        assertThat(periods.start(index)).as("%s at %s", periods, at).isLessThanOrEqualTo(at);
        assertThat(periods.end(index)).as("%s at %s", periods, at).isGreaterThan(at);
        assertThat(periods.indexAt(periods.start(index))).isEqualTo(index);
        assertThat(periods.indexAt(periods.start(index) - 1)).isEqualTo(index - 1);
        long length = periods.end(index) - periods.start(index);
        assertThat(length).as("%s length", periods)
            .isBetween(periods.shortestMillis(), periods.longestMillis());
      }
    }
  }
}
