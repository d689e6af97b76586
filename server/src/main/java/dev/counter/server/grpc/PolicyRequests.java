package dev.counter.server.grpc;

import dev.counter.server.store.IncrementPolicy;
import dev.counter.server.store.LimitSpec;
import dev.counter.server.window.CalendarPeriods;
import dev.counter.server.window.FixedPeriods;
import dev.counter.server.window.Periods;
import dev.counter.server.window.WindowSpec;
import dev.counter.v1.Durability;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.Limit;
import dev.counter.v1.LimitMode;
import dev.counter.v1.Window;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import javax.annotation.Nullable;

/**
 * Reads the windows, limits, mode and ttl of an {@code IncrementRequest} (and the window of a
 * read) into the store's terms, checking every bound of the contract; a request breaking one gets
 * INVALID_ARGUMENT naming the field and the limit.
 */
final class PolicyRequests {
  static final int MAX_WINDOWS = 8;
  static final int MAX_LIMITS = 8;
  static final Duration MIN_TTL = Duration.ofSeconds(1);
  static final Duration MAX_TTL = Duration.ofDays(3660);

  private PolicyRequests() {}

  /** A request's policy (null for a plain increment), or the first problem with it. */
  record Parsed(@Nullable IncrementPolicy policy, @Nullable ServiceError error) {
    static Parsed invalid(ServiceError error) {
      return new Parsed(null, error);
    }
  }

  /** @param prefix "" for a single call, "items[i]." inside a batch */
  static Parsed parse(IncrementRequest request, String prefix) {
    boolean plain = request.getWindowsCount() == 0 && request.getLimitsCount() == 0 && !request.hasTtl()
        && request.getLimitModeValue() == 0;
    if (plain) {
      return new Parsed(null, null);
    }
    if (request.getWindowsCount() > MAX_WINDOWS) {
      return Parsed.invalid(ServiceError.invalid(ErrorReason.WINDOW_INVALID, prefix + "windows",
          prefix + "windows has " + request.getWindowsCount() + " entries; the limit is " + MAX_WINDOWS, "8"));
    }
    if (request.getLimitsCount() > MAX_LIMITS) {
      return Parsed.invalid(ServiceError.invalid(ErrorReason.LIMIT_INVALID, prefix + "limits",
          prefix + "limits has " + request.getLimitsCount() + " entries; the limit is " + MAX_LIMITS, "8"));
    }
    if (request.getLimitMode() == LimitMode.UNRECOGNIZED) {
      String field = prefix + "limit_mode";
      return Parsed.invalid(ServiceError.invalid(ErrorReason.UNKNOWN_LIMIT_MODE, field, field + " has unknown value "
          + request.getLimitModeValue() + "; use LIMIT_MODE_ENFORCE (1), LIMIT_MODE_SHADOW (2) or LIMIT_MODE_DRY_RUN (3)",
          "0..3"));
    }
    if (request.getLimitsCount() > 0 && request.getDurability() == Durability.DURABILITY_BUFFERED) {
      return Parsed.invalid(ServiceError.invalid(ErrorReason.LIMITS_NEED_DURABILITY, prefix + "durability",
          "limits are decided in Redis, so an increment with limits cannot be DURABILITY_BUFFERED", "durable"));
    }
    // Sliding limits need their window's buckets for that many periods.
    int[] sliding = new int[request.getWindowsCount()];
    List<LimitSpec> limits = new ArrayList<>();
    for (int i = 0; i < request.getLimitsCount(); i++) {
      Object limit = limit(request.getLimits(i), request.getWindowsCount(), prefix + "limits[" + i + "]");
      if (limit instanceof ServiceError error) {
        return Parsed.invalid(error);
      }
      LimitSpec spec = (LimitSpec) limit;
      if (spec.scope() == LimitSpec.Scope.SLIDING) {
        sliding[spec.window()] = Math.max(sliding[spec.window()], spec.periods());
      }
      limits.add(spec);
    }
    List<WindowSpec> windows = new ArrayList<>();
    for (int i = 0; i < request.getWindowsCount(); i++) {
      Object window = window(request.getWindows(i), sliding[i], prefix + "windows[" + i + "]");
      if (window instanceof ServiceError error) {
        return Parsed.invalid(error);
      }
      windows.add((WindowSpec) window);
    }
    long ttl = 0;
    if (request.hasTtl()) {
      Duration value = duration(request.getTtl());
      if (value == null || value.compareTo(MIN_TTL) < 0 || value.compareTo(MAX_TTL) > 0) {
        String field = prefix + "ttl";
        return Parsed.invalid(ServiceError.invalid(ErrorReason.TTL_OUT_OF_RANGE, field,
            field + " must be between 1s and 3660 days", "1s..3660d"));
      }
      ttl = value.toMillis();
    }
    IncrementPolicy.LimitMode mode = switch (request.getLimitMode()) {
      case LIMIT_MODE_SHADOW -> IncrementPolicy.LimitMode.SHADOW;
      case LIMIT_MODE_DRY_RUN -> IncrementPolicy.LimitMode.DRY_RUN;
      default -> IncrementPolicy.LimitMode.ENFORCE;
    };
    return new Parsed(new IncrementPolicy(windows, limits, mode, ttl), null);
  }

  /** A window's periods, or the problem with them. */
  static Object periods(Window window, String field) {
    switch (window.getPeriodCase()) {
      case FIXED -> {
        Duration size = duration(window.getFixed());
        if (size == null || size.getNano() % 1_000_000 != 0 || size.toMillis() < FixedPeriods.MIN_MILLIS
            || size.toMillis() > FixedPeriods.MAX_MILLIS) {
          return ServiceError.invalid(ErrorReason.WINDOW_INVALID, field + ".fixed",
              field + ".fixed must be whole milliseconds from 1s to 366 days", "1s..366d");
        }
        return new FixedPeriods(size.toMillis());
      }
      case CALENDAR -> {
        CalendarPeriods.Unit unit = switch (window.getCalendar().getUnit()) {
          case CALENDAR_UNIT_DAY -> CalendarPeriods.Unit.DAY;
          case CALENDAR_UNIT_WEEK -> CalendarPeriods.Unit.WEEK;
          case CALENDAR_UNIT_MONTH -> CalendarPeriods.Unit.MONTH;
          case CALENDAR_UNIT_YEAR -> CalendarPeriods.Unit.YEAR;
          default -> null;
        };
        if (unit == null) {
          return ServiceError.invalid(ErrorReason.WINDOW_INVALID, field + ".calendar.unit",
              field + ".calendar.unit must be CALENDAR_UNIT_DAY, _WEEK, _MONTH or _YEAR", "1..4");
        }
        String zone = window.getCalendar().getTimeZone().isEmpty() ? "UTC" : window.getCalendar().getTimeZone();
        try {
          return new CalendarPeriods(unit, ZoneId.of(zone));
        } catch (DateTimeException e) {
          return ServiceError.invalid(ErrorReason.WINDOW_INVALID, field + ".calendar.time_zone",
              field + ".calendar.time_zone is not an IANA time zone (e.g. \"America/New_York\")", "IANA zone id");
        }
      }
      default -> {
        return ServiceError.invalid(ErrorReason.WINDOW_INVALID, field,
            field + " needs a period: fixed (a duration) or calendar", "fixed or calendar");
      }
    }
  }

  private static Object window(Window window, int slidingPeriods, String field) {
    Object periods = periods(window, field);
    if (periods instanceof ServiceError) {
      return periods;
    }
    Periods parsed = (Periods) periods;
    long min = WindowSpec.minRetentionMillis(parsed, slidingPeriods);
    long max = WindowSpec.maxRetentionMillis(parsed);
    if (!window.hasRetention()) {
      return new WindowSpec(parsed, Math.min(max, WindowSpec.defaultRetentionMillis(parsed, slidingPeriods)));
    }
    Duration retention = duration(window.getRetention());
    if (retention == null || retention.toMillis() < min || retention.toMillis() > max) {
      return ServiceError.invalid(ErrorReason.WINDOW_INVALID, field + ".retention",
          field + ".retention must cover the window's sliding limits (" + Math.max(1, slidingPeriods) + " periods, "
              + Duration.ofMillis(min) + ") and be at most " + WindowSpec.MAX_PERIODS + " periods ("
              + Duration.ofMillis(max) + ")", Duration.ofMillis(min) + ".." + Duration.ofMillis(max));
    }
    return new WindowSpec(parsed, retention.toMillis());
  }

  private static Object limit(Limit limit, int windows, String field) {
    LimitSpec.Scope scope = switch (limit.getScope()) {
      case LIMIT_SCOPE_UNSPECIFIED, LIMIT_SCOPE_VALUE -> LimitSpec.Scope.VALUE;
      case LIMIT_SCOPE_PERIOD -> LimitSpec.Scope.PERIOD;
      case LIMIT_SCOPE_SLIDING -> LimitSpec.Scope.SLIDING;
      default -> null;
    };
    if (scope == null) {
      return ServiceError.invalid(ErrorReason.LIMIT_INVALID, field + ".scope",
          field + ".scope has unknown value " + limit.getScopeValue(), "0..3");
    }
    if (!limit.hasMax() && !limit.hasMin()) {
      return ServiceError.invalid(ErrorReason.LIMIT_INVALID, field, field + " needs a max or a min", "max or min");
    }
    if (limit.hasMax() && limit.hasMin() && limit.getMin() > limit.getMax()) {
      return ServiceError.invalid(ErrorReason.LIMIT_INVALID, field, field + ".min is above its max", "min <= max");
    }
    if (scope == LimitSpec.Scope.VALUE) {
      return new LimitSpec(scope, -1, 1, limit.hasMin() ? limit.getMin() : null, limit.hasMax() ? limit.getMax() : null);
    }
    if (limit.getWindow() < 0 || limit.getWindow() >= windows) {
      return ServiceError.invalid(ErrorReason.LIMIT_INVALID, field + ".window",
          field + ".window must be the index of one of the request's windows (0.." + (windows - 1) + ")",
          "0.." + Math.max(0, windows - 1));
    }
    int periods = scope == LimitSpec.Scope.PERIOD ? 1 : limit.getPeriods();
    if (periods < 1 || periods > WindowSpec.MAX_PERIODS) {
      return ServiceError.invalid(ErrorReason.LIMIT_INVALID, field + ".periods",
          field + ".periods must be from 1 to " + WindowSpec.MAX_PERIODS + " for a sliding limit", "1..4096");
    }
    return new LimitSpec(scope, limit.getWindow(), periods, limit.hasMin() ? limit.getMin() : null,
        limit.hasMax() ? limit.getMax() : null);
  }

  /** A protobuf duration as a java.time one, or null when it is negative or malformed. */
  @Nullable
  static Duration duration(com.google.protobuf.Duration duration) {
    // 315,576,000,000 s (10,000 years) is the most a google.protobuf.Duration may hold.
    if (duration.getSeconds() < 0 || duration.getSeconds() > 315_576_000_000L || duration.getNanos() < 0
        || duration.getNanos() > 999_999_999) {
      return null;
    }
    return Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
  }
}
