package dev.counter.server.grpc;

import com.google.common.base.Utf8;
import dev.counter.v1.Durability;
import dev.counter.v1.IncrementRequest;
import javax.annotation.Nullable;

/** Checks requests against the limits of SPEC §2.4. Returns the first problem, or null. */
final class RequestValidator {
  static final int MAX_NAME_BYTES = 512;
  static final int MAX_REQUEST_ID_BYTES = 128;
  static final int MAX_BATCH_ITEMS = 10_000;

  private RequestValidator() {}

  /** Checks a counter name; {@code field} is how the message refers to it ("name", "names[3]"). */
  @Nullable
  static ServiceError checkName(String name, String field) {
    if (name.isEmpty()) {
      return ServiceError.invalid(ErrorReason.NAME_REQUIRED, field, field + " must not be empty", "1..512 bytes");
    }
    if (name.length() > MAX_NAME_BYTES / 3 && utf8Length(name) > MAX_NAME_BYTES) {
      return ServiceError.invalid(ErrorReason.NAME_TOO_LONG, field,
          field + " is " + utf8Length(name) + " bytes of UTF-8; the limit is " + MAX_NAME_BYTES, "512 bytes");
    }
    return null;
  }

  /** Checks one increment; {@code prefix} is "" for a single call or "items[i]." inside a batch. */
  @Nullable
  static ServiceError checkIncrement(IncrementRequest request, String prefix) {
    ServiceError nameError = checkName(request.getName(), prefix + "name");
    if (nameError != null) {
      return nameError;
    }
    String requestId = request.getRequestId();
    if (requestId.length() > MAX_REQUEST_ID_BYTES / 3 && utf8Length(requestId) > MAX_REQUEST_ID_BYTES) {
      String field = prefix + "request_id";
      return ServiceError.invalid(ErrorReason.REQUEST_ID_TOO_LONG, field,
          field + " is " + utf8Length(requestId) + " bytes of UTF-8; the limit is " + MAX_REQUEST_ID_BYTES, "128 bytes");
    }
    if (request.getDurability() == Durability.UNRECOGNIZED) {
      String field = prefix + "durability";
      return ServiceError.invalid(ErrorReason.UNKNOWN_DURABILITY, field,
          field + " has unknown value " + request.getDurabilityValue()
              + "; use DURABILITY_DURABLE (1) or DURABILITY_BUFFERED (2)", "0, 1 or 2");
    }
    return null;
  }

  static final int DEFAULT_PAGE_SIZE = 100;
  static final int MAX_PAGE_SIZE = 1000;

  /** Checks a List request's prefix and page size. */
  @Nullable
  static ServiceError checkListing(dev.counter.v1.ListRequest request) {
    String prefix = request.getPrefix();
    if (prefix.length() > MAX_NAME_BYTES / 3 && utf8Length(prefix) > MAX_NAME_BYTES) {
      return ServiceError.invalid(ErrorReason.NAME_TOO_LONG, "prefix",
          "prefix is " + utf8Length(prefix) + " bytes of UTF-8; the limit is " + MAX_NAME_BYTES, "512 bytes");
    }
    if (request.getPageSize() < 0 || request.getPageSize() > MAX_PAGE_SIZE) {
      return ServiceError.invalid(ErrorReason.PAGE_SIZE_OUT_OF_RANGE, "page_size",
          "page_size must be from 1 to " + MAX_PAGE_SIZE + " (0 for " + DEFAULT_PAGE_SIZE + ")", "0..1000");
    }
    return null;
  }

  /** Checks the number of items of a batch call. */
  @Nullable
  static ServiceError checkBatchSize(int size, String field) {
    if (size > MAX_BATCH_ITEMS) {
      return ServiceError.invalid(ErrorReason.TOO_MANY_ITEMS, field,
          field + " has " + size + " entries; the limit is " + MAX_BATCH_ITEMS, "10000");
    }
    return null;
  }

  static final java.time.Duration DEFAULT_WATCH_INTERVAL = java.time.Duration.ofMillis(100);
  static final java.time.Duration MIN_WATCH_INTERVAL = java.time.Duration.ofMillis(10);
  static final java.time.Duration MAX_WATCH_INTERVAL = java.time.Duration.ofHours(1);

  /** Checks a watch's min_interval (unset or zero means the default). */
  @Nullable
  static ServiceError checkWatchInterval(com.google.protobuf.Duration interval) {
    java.time.Duration value = watchInterval(interval);
    if (value.compareTo(MIN_WATCH_INTERVAL) < 0 || value.compareTo(MAX_WATCH_INTERVAL) > 0
        || interval.getNanos() < 0 || interval.getNanos() > 999_999_999) {
      return ServiceError.invalid(ErrorReason.INTERVAL_OUT_OF_RANGE, "min_interval",
          "min_interval must be between 10ms and 1h (or unset for 100ms)", "10ms..1h");
    }
    return null;
  }

  /** The watch interval a request asks for. */
  static java.time.Duration watchInterval(com.google.protobuf.Duration interval) {
    if (interval.getSeconds() == 0 && interval.getNanos() == 0) {
      return DEFAULT_WATCH_INTERVAL;
    }
    return java.time.Duration.ofSeconds(interval.getSeconds(), Math.max(0, Math.min(999_999_999, interval.getNanos())));
  }

  /** A read's max_staleness in nanoseconds; 0 (an exact read) when unset, zero, negative or malformed. */
  static long stalenessNanos(com.google.protobuf.Duration staleness) {
    if (staleness.getSeconds() < 0 || staleness.getNanos() < 0 || staleness.getSeconds() > 86_400 * 365L) {
      return 0;
    }
    return staleness.getSeconds() * 1_000_000_000L + staleness.getNanos();
  }

  static boolean isBuffered(IncrementRequest request) {
    return request.getDurability() == Durability.DURABILITY_BUFFERED;
  }

  private static int utf8Length(String value) {
    try {
      return Utf8.encodedLength(value);
    } catch (IllegalArgumentException unpairedSurrogate) {
      // Protobuf rejects invalid UTF-8 before we get here; count such a string as too long.
      return Integer.MAX_VALUE;
    }
  }
}
