package dev.counter.cli.bench;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;

/** Prints a load test's settings and figures, as text for people or JSON for scripts. */
final class BenchReport {
  private static final double[] PERCENTILES = {50, 90, 99, 99.9};

  private BenchReport() {}

  static void text(PrintWriter out, Map<String, Object> settings, BenchResult result, Verification verification) {
    StringBuilder line = new StringBuilder();
    settings.forEach((key, value) -> line.append(key).append('=').append(value).append("  "));
    out.println(line.toString().trim());
    out.printf(Locale.ROOT, "calls        %,d in %.1f s: %,.0f calls/s%n", result.calls(), result.seconds(),
        result.callsPerSecond());
    out.printf(Locale.ROOT, "increments   %,d: %,.0f increments/s%n", result.increments(), result.incrementsPerSecond());
    out.printf(Locale.ROOT, "latency ms   p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f%n",
        result.latencyMillis(50), result.latencyMillis(90), result.latencyMillis(99), result.latencyMillis(99.9),
        result.maxLatencyMillis());
    if (result.cost().redisCommands() >= 0) {
      out.printf(Locale.ROOT, "redis        %,d commands, %.3f s CPU for %,d increments: %.4f commands and %.2f µs CPU per "
              + "increment%n", result.cost().redisCommands(), result.cost().redisCpuMicros() / 1e6, result.increments(),
          result.redisCommandsPerIncrement(), result.redisCpuMicrosPerIncrement());
    }
    if (result.cost().serverCpuNanos() >= 0) {
      out.printf(Locale.ROOT, "server cpu   %.3f s: %.2f µs per call, %.3f µs per increment sent%n",
          result.cost().serverCpuNanos() / 1e9, result.serverCpuMicrosPerCall(), result.serverCpuMicrosPerItem());
    }
    Map<String, Long> errors = result.errors();
    out.println("errors       " + (errors.isEmpty() ? "none" : errors.toString())
        + String.format(Locale.ROOT, " (of %,d calls in the whole run)", result.totalCalls()));
    if (verification != null) {
      if (verification.passed()) {
        out.printf(Locale.ROOT, "verify       OK: %,d counters hold %s the %,d acknowledged increments%n",
            verification.keys(), verification.exact() ? "exactly" : "at least", verification.acknowledged());
        if (verification.windowPeriods() > 0) {
          out.printf(Locale.ROOT, "windows      OK: %,d periods hold exactly what was admitted in them%s%n",
              verification.windowPeriods(), verification.limited() ? ", each admitting exactly min(L, offered)" : "");
        }
      } else {
        out.printf(Locale.ROOT, "verify       FAILED: %d differences over %,d counters%n", verification.mismatches().size(),
            verification.keys());
        verification.mismatches().stream().limit(20).forEach(mismatch -> out.println("  " + mismatch));
      }
    }
    out.flush();
  }

  static void json(PrintWriter out, Map<String, Object> settings, BenchResult result, Verification verification) {
    StringBuilder json = new StringBuilder("{\"settings\":{");
    boolean first = true;
    for (Map.Entry<String, Object> entry : settings.entrySet()) {
      json.append(first ? "" : ",").append(quote(entry.getKey())).append(':');
      Object value = entry.getValue();
      json.append(value instanceof Number || value instanceof Boolean ? value.toString() : quote(value.toString()));
      first = false;
    }
    json.append("},\"seconds\":").append(number(result.seconds()))
        .append(",\"calls\":").append(result.calls())
        .append(",\"calls_per_second\":").append(number(result.callsPerSecond()))
        .append(",\"increments\":").append(result.increments())
        .append(",\"increments_per_second\":").append(number(result.incrementsPerSecond()))
        .append(",\"latency_ms\":{");
    for (double percentile : PERCENTILES) {
      json.append(quote("p" + (percentile == Math.rint(percentile) ? Long.toString((long) percentile)
              : Double.toString(percentile)))).append(':').append(number(result.latencyMillis(percentile))).append(',');
    }
    json.append("\"max\":").append(number(result.maxLatencyMillis())).append("},\"errors\":{");
    first = true;
    for (Map.Entry<String, Long> error : result.errors().entrySet()) {
      json.append(first ? "" : ",").append(quote(error.getKey())).append(':').append(error.getValue());
      first = false;
    }
    json.append("},\"total_calls\":").append(result.totalCalls());
    if (result.cost().serverCpuNanos() >= 0) {
      json.append(",\"server_cpu_us_per_call\":").append(number(result.serverCpuMicrosPerCall()))
          .append(",\"server_cpu_us_per_item\":").append(number(result.serverCpuMicrosPerItem()));
    }
    if (result.cost().redisCommands() >= 0) {
      json.append(",\"redis_cpu_us_per_increment\":").append(number(result.redisCpuMicrosPerIncrement()))
          .append(",\"redis_cpu_us_per_call\":").append(number(result.redisCpuMicrosPerCall()))
          .append(",\"redis_commands\":").append(result.cost().redisCommands())
          .append(",\"redis_commands_per_increment\":")
          .append(String.format(Locale.ROOT, "%.5f", result.redisCommandsPerIncrement()));
    }
    if (verification != null) {
      json.append(",\"verify\":{\"passed\":").append(verification.passed())
          .append(",\"exact\":").append(verification.exact())
          .append(",\"keys\":").append(verification.keys())
          .append(",\"acknowledged\":").append(verification.acknowledged())
          .append(",\"stored\":").append(verification.stored())
          .append(",\"window_periods\":").append(verification.windowPeriods())
          .append(",\"mismatches\":").append(verification.mismatches().size()).append('}');
    }
    out.println(json.append('}'));
    out.flush();
  }

  private static String number(double value) {
    return String.format(Locale.ROOT, "%.3f", value);
  }

  private static String quote(String value) {
    StringBuilder quoted = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      switch (c) {
        case '"' -> quoted.append("\\\"");
        case '\\' -> quoted.append("\\\\");
        default -> {
          if (c < 0x20) {
            quoted.append(String.format("\\u%04x", (int) c));
          } else {
            quoted.append(c);
          }
        }
      }
    }
    return quoted.append('"').toString();
  }
}
