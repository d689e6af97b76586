package dev.counter.server.grpc;

import io.grpc.Status;

/**
 * The machine-readable reasons this service puts in {@code google.rpc.ErrorInfo}, each with the
 * gRPC status code it travels with. Reasons are part of the API: never rename one.
 */
public enum ErrorReason {
  NAME_REQUIRED(Status.Code.INVALID_ARGUMENT),
  NAME_TOO_LONG(Status.Code.INVALID_ARGUMENT),
  REQUEST_ID_TOO_LONG(Status.Code.INVALID_ARGUMENT),
  TOO_MANY_ITEMS(Status.Code.INVALID_ARGUMENT),
  UNKNOWN_DURABILITY(Status.Code.INVALID_ARGUMENT),
  INTERVAL_OUT_OF_RANGE(Status.Code.INVALID_ARGUMENT),
  MALFORMED_REQUEST(Status.Code.INVALID_ARGUMENT),
  WINDOW_INVALID(Status.Code.INVALID_ARGUMENT),
  LIMIT_INVALID(Status.Code.INVALID_ARGUMENT),
  UNKNOWN_LIMIT_MODE(Status.Code.INVALID_ARGUMENT),
  LIMITS_NEED_DURABILITY(Status.Code.INVALID_ARGUMENT),
  TTL_OUT_OF_RANGE(Status.Code.INVALID_ARGUMENT),
  RANGE_INVALID(Status.Code.INVALID_ARGUMENT),
  PAGE_SIZE_OUT_OF_RANGE(Status.Code.INVALID_ARGUMENT),
  PAGE_TOKEN_INVALID(Status.Code.INVALID_ARGUMENT),
  COUNTER_OVERFLOW(Status.Code.OUT_OF_RANGE),
  STORE_UNAVAILABLE(Status.Code.UNAVAILABLE),
  SERVER_DRAINING(Status.Code.UNAVAILABLE),
  PENDING_BUFFER_FULL(Status.Code.RESOURCE_EXHAUSTED),
  REQUEST_TOO_LARGE(Status.Code.RESOURCE_EXHAUSTED),
  TOO_MANY_WATCHERS(Status.Code.RESOURCE_EXHAUSTED),
  INTERNAL_ERROR(Status.Code.INTERNAL);

  /** The ErrorInfo domain of every error this service returns. */
  public static final String DOMAIN = "counter.v1";

  private final Status.Code code;

  ErrorReason(Status.Code code) {
    this.code = code;
  }

  public Status.Code code() {
    return code;
  }
}
