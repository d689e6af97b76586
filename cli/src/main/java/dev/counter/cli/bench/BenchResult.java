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
 * @param redisCommands commands Redis executed during the whole run, or -1 when not measured
 * @param acknowledgedIncrements increments acknowledged during the whole run (warm-up included)
 */
record BenchResult(long elapsedNanos, long calls, long increments, Histogram latencyNanos, long[] callsByStatus,
    long totalCalls, boolean drained, long redisCommands, long acknowledgedIncrements) {

  /** This result with the Redis work of the run added. */
  BenchResult withRedis(long commands, long acknowledged) {
    return new BenchResult(elapsedNanos, calls, increments, latencyNanos, callsByStatus, totalCalls, drained, commands,
        acknowledged);
  }

  /** Redis commands per acknowledged increment over the whole run, or -1 when not measured. */
  double redisCommandsPerIncrement() {
    return redisCommands < 0 || acknowledgedIncrements == 0 ? -1 : (double) redisCommands / acknowledgedIncrements;
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
