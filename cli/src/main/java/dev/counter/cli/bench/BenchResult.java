package dev.counter.cli.bench;

import io.grpc.Status;
import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The figures of one load test.
 *
 * @param elapsedNanos length of the measured window
 * @param calls calls completed in the window (any status)
 * @param increments increments acknowledged in the window
 * @param latencyNanos latency of the calls completed in the window
 * @param callsByStatus calls of the whole run (warm-up and wind-down included), by status code
 * @param totalCalls calls of the whole run
 * @param drained whether every call in flight completed at the end
 * @param cost the CPU of the server and Redis, and Redis commands, in the measured window
 * @param items increments sent in the window's calls (a batch call carries many), denied ones included
 */
record BenchResult(long elapsedNanos, long calls, long increments, Histogram latencyNanos, long[] callsByStatus,
    long totalCalls, boolean drained, CostProbe.Cost cost, long items) {

  /** Redis commands per acknowledged increment in the measured window, or -1 when not measured. */
  double redisCommandsPerIncrement() {
    return cost.redisCommands() < 0 || increments == 0 ? -1 : (double) cost.redisCommands() / increments;
  }

  /** Server CPU per call in the measured window, µs, or -1. */
  double serverCpuMicrosPerCall() {
    return cost.serverCpuNanos() < 0 || calls == 0 ? -1 : cost.serverCpuNanos() / 1e3 / calls;
  }

  /** Server CPU per increment sent (a batch item counts one), µs, or -1. */
  double serverCpuMicrosPerItem() {
    return cost.serverCpuNanos() < 0 || items == 0 ? -1 : cost.serverCpuNanos() / 1e3 / items;
  }

  /** Redis CPU per acknowledged increment, µs, or -1. */
  double redisCpuMicrosPerIncrement() {
    return cost.redisCpuMicros() < 0 || increments == 0 ? -1 : (double) cost.redisCpuMicros() / increments;
  }

  /** Redis CPU per call, µs, or -1 (for reads). */
  double redisCpuMicrosPerCall() {
    return cost.redisCpuMicros() < 0 || calls == 0 ? -1 : (double) cost.redisCpuMicros() / calls;
  }

  double seconds() {
    return elapsedNanos / 1e9;
  }

  double callsPerSecond() {
    return calls / seconds();
  }

  double incrementsPerSecond() {
    return increments / seconds();
  }

  /** Latency at {@code percentile} in milliseconds. */
  double latencyMillis(double percentile) {
    return latencyNanos.getTotalCount() == 0 ? 0 : latencyNanos.getValueAtPercentile(percentile) / 1e6;
  }

  double maxLatencyMillis() {
    return latencyNanos.getTotalCount() == 0 ? 0 : latencyNanos.getMaxValue() / 1e6;
  }

  /** Non-OK statuses with their counts, in code order. */
  Map<String, Long> errors() {
    Map<String, Long> errors = new LinkedHashMap<>();
    for (int code = 1; code < callsByStatus.length; code++) {
      if (callsByStatus[code] > 0) {
        errors.put(Status.fromCodeValue(code).getCode().name(), callsByStatus[code]);
      }
    }
    return errors;
  }
}
