package dev.counter.server.grpc;

import dev.counter.server.store.Bucket;
import dev.counter.server.window.Periods;
import dev.counter.server.window.WindowSpec;
import dev.counter.v1.GetSeriesRequest;
import dev.counter.v1.GetSeriesResponse;
import dev.counter.v1.GetWindowRequest;
import dev.counter.v1.GetWindowResponse;
import dev.counter.v1.Window;
import java.math.BigInteger;
import java.util.List;
import javax.annotation.Nullable;

/** Validation and responses of the window reads, {@code GetWindow} and {@code GetSeries}. */
final class WindowCalls {
  /** Periods a series reads when its request gives no start. */
  static final int DEFAULT_SERIES_PERIODS = 60;

  private WindowCalls() {}

  /** The window's periods, or the problem with the request. */
  static Object periods(Window window, String field) {
    if (window.getPeriodCase() == Window.PeriodCase.PERIOD_NOT_SET) {
      return ServiceError.invalid(ErrorReason.WINDOW_INVALID, field, field + " is required", "a window");
    }
    return PolicyRequests.periods(window, field);
  }

  @Nullable
  static ServiceError checkPeriods(GetWindowRequest request) {
    if (request.getPeriods() < 0 || request.getPeriods() > WindowSpec.MAX_PERIODS) {
      return ServiceError.invalid(ErrorReason.RANGE_INVALID, "periods",
          "periods must be from 0 to " + WindowSpec.MAX_PERIODS + " (0 and 1 read the current period)", "0..4096");
    }
    return null;
  }

  /** A series' range as [first, last] period indexes, or null when it ends at the current period; or a problem. */
  static Object range(GetSeriesRequest request, Periods periods) {
    if (request.hasStart() && !valid(request.getStart()) || request.hasEnd() && !valid(request.getEnd())) {
      return ServiceError.invalid(ErrorReason.RANGE_INVALID, "start", "start and end must be valid timestamps",
          "0001-01-01..9999-12-31");
    }
    if (!request.hasEnd()) {
      return null;
    }
    long last = periods.indexAt(millis(request.getEnd()));
    long first = request.hasStart() ? periods.indexAt(millis(request.getStart())) : last - DEFAULT_SERIES_PERIODS + 1;
    if (first > last || last - first + 1 > WindowSpec.MAX_PERIODS) {
      return ServiceError.invalid(ErrorReason.RANGE_INVALID, "start",
          "start must not be after end, and the range must span at most " + WindowSpec.MAX_PERIODS + " periods",
          "1..4096 periods");
    }
    return new long[] {first, last};
  }

  /** {@code value} clamped to the int64 range. */
  static long saturated(BigInteger value) {
    if (value.bitLength() < 64) {
      return value.longValueExact();
    }
    return value.signum() > 0 ? Long.MAX_VALUE : Long.MIN_VALUE;
  }

  static GetWindowResponse windowResponse(List<Bucket> buckets) {
    GetWindowResponse.Builder response = GetWindowResponse.newBuilder();
    // Each bucket fits int64 but their sum may not: exact in BigInteger, clamped like the flush
    // script's sums (the buckets are exact in the reply either way).
    BigInteger sum = BigInteger.ZERO;
    for (Bucket bucket : buckets) {
      sum = sum.add(BigInteger.valueOf(bucket.value()));
      response.addBuckets(bucket(bucket));
    }
    response.setSum(saturated(sum));
    if (!buckets.isEmpty()) {
      response.setCovered(IncrementResponses.period(buckets.get(0).startMillis(),
          buckets.get(buckets.size() - 1).endMillis()));
    }
    return response.build();
  }

  static GetSeriesResponse seriesResponse(List<Bucket> buckets) {
    GetSeriesResponse.Builder response = GetSeriesResponse.newBuilder();
    buckets.forEach(bucket -> response.addBuckets(bucket(bucket)));
    return response.build();
  }

  private static dev.counter.v1.Bucket bucket(Bucket bucket) {
    return dev.counter.v1.Bucket.newBuilder()
        .setPeriod(IncrementResponses.period(bucket.startMillis(), bucket.endMillis()))
        .setValue(bucket.value()).build();
  }

  static long millis(com.google.protobuf.Timestamp timestamp) {
    return Math.addExact(Math.multiplyExact(timestamp.getSeconds(), 1000L), timestamp.getNanos() / 1_000_000);
  }

  private static boolean valid(com.google.protobuf.Timestamp timestamp) {
    // The range google.protobuf.Timestamp allows: 0001-01-01 to 9999-12-31.
    return timestamp.getSeconds() >= -62_135_596_800L && timestamp.getSeconds() <= 253_402_300_799L
        && timestamp.getNanos() >= 0 && timestamp.getNanos() <= 999_999_999;
  }
}
