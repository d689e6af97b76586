package dev.counter.cli;

import com.google.protobuf.Duration;
import dev.counter.client.Windows;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.Limit;
import dev.counter.v1.LimitMode;
import dev.counter.v1.LimitScope;
import dev.counter.v1.Window;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * The windows, limits, mode and ttl options of {@code counter inc} (and the window of
 * {@code counter series}), as one picocli mixin.
 */
final class PolicyOptions {
  @Option(names = "--window", paramLabel = "WINDOW", converter = WindowOption.class,
      description = "Also count into this window (repeatable): a period like 1s, 5m, 1h, 1d, or a calendar "
          + "period day, week, month or year, optionally @ZONE (e.g. month@America/New_York; default UTC).")
  List<Window> windows = new ArrayList<>();

  @Option(names = "--retention", paramLabel = "DURATION", converter = DurationOption.class,
      description = "Keep every --window's buckets this long after their period (default: 60 periods).")
  java.time.Duration retention;

  @Option(names = "--limit", paramLabel = "LIMIT", converter = LimitConverter.class,
      description = "Apply only within this limit (repeatable): WHAT:BOUNDS, WHAT being value, period (the "
          + "current period of the first window) or last=K (its last K periods), optionally @N for window N; "
          + "BOUNDS max=N, min=N or both (min=0,max=9). E.g. period:max=100, last=60:max=1000, value:min=0.")
  List<Limit> limits = new ArrayList<>();

  @Option(names = "--shadow", description = "Decide and report the limits, but always apply.")
  boolean shadow;

  @Option(names = "--dry-run", description = "Decide and report the limits, apply nothing.")
  boolean dryRun;

  @Option(names = "--ttl", paramLabel = "DURATION", converter = DurationOption.class,
      description = "Remove the counter after this long without an increment.")
  java.time.Duration ttl;

  /** Adds these options to {@code request}. */
  void applyTo(IncrementRequest.Builder request) {
    for (Window window : windows) {
      request.addWindows(retention == null ? window : Windows.retained(window, retention));
    }
    request.addAllLimits(limits);
    if (shadow && dryRun) {
      throw new CliFailure("--shadow and --dry-run exclude each other", ExitCodes.USAGE);
    }
    if (shadow) {
      request.setLimitMode(LimitMode.LIMIT_MODE_SHADOW);
    } else if (dryRun) {
      request.setLimitMode(LimitMode.LIMIT_MODE_DRY_RUN);
    }
    if (ttl != null) {
      request.setTtl(Duration.newBuilder().setSeconds(ttl.getSeconds()).setNanos(ttl.getNano()));
    }
  }

  /** {@code period:max=100}, {@code last=60@1:max=1000}, {@code value:min=0}. */
  static final class LimitConverter implements ITypeConverter<Limit> {
    @Override
    public Limit convert(String value) {
      int colon = value.indexOf(':');
      if (colon < 0) {
        throw usage(value);
      }
      String what = value.substring(0, colon);
      Limit.Builder limit = Limit.newBuilder();
      int at = what.indexOf('@');
      if (at >= 0) {
        limit.setWindow(parseInt(what.substring(at + 1), value));
        what = what.substring(0, at);
      }
      if (what.equals("value")) {
        limit.setScope(LimitScope.LIMIT_SCOPE_VALUE);
      } else if (what.equals("period")) {
        limit.setScope(LimitScope.LIMIT_SCOPE_PERIOD);
      } else if (what.startsWith("last=")) {
        limit.setScope(LimitScope.LIMIT_SCOPE_SLIDING).setPeriods(parseInt(what.substring(5), value));
      } else {
        throw usage(value);
      }
      for (String bound : value.substring(colon + 1).split(",")) {
        if (bound.startsWith("max=")) {
          limit.setMax(parseLong(bound.substring(4), value));
        } else if (bound.startsWith("min=")) {
          limit.setMin(parseLong(bound.substring(4), value));
        } else {
          throw usage(value);
        }
      }
      return limit.build();
    }

    private static int parseInt(String text, String value) {
      try {
        return Integer.parseInt(text);
      } catch (NumberFormatException e) {
        throw usage(value);
      }
    }

    private static long parseLong(String text, String value) {
      try {
        return Long.parseLong(text);
      } catch (NumberFormatException e) {
        throw usage(value);
      }
    }

    private static TypeConversionException usage(String value) {
      return new TypeConversionException("'" + value + "' is not a limit; use e.g. period:max=100, "
          + "last=60:max=1000, value:min=0 or period@1:min=0,max=9");
    }
  }
}
