package dev.counter.server.grpc;

import dev.counter.server.batching.IncrementListener;
import dev.counter.server.store.Decided;
import dev.counter.v1.IncrementResponse;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;

/** Answers one durable {@code Increment} call when its flush completes. */
final class UnaryIncrementResponder implements IncrementListener {
  private final ServerCallStreamObserver<IncrementResponse> call;
  private final long delta;
  private final Deadline deadline;
  private final long deadlineNanos;

  /** @param deadline the call's deadline, or null without one */
  UnaryIncrementResponder(ServerCallStreamObserver<IncrementResponse> call, long delta, Deadline deadline) {
    this.call = call;
    this.delta = delta;
    this.deadline = deadline;
    this.deadlineNanos = deadlineNanos(deadline);
  }

  /** A gRPC deadline on the {@link System#nanoTime()} scale (capped at a day: no overflow). */
  static long deadlineNanos(Deadline deadline) {
    if (deadline == null) {
      return NO_DEADLINE;
    }
    long remaining = Math.min(deadline.timeRemaining(java.util.concurrent.TimeUnit.NANOSECONDS),
        java.util.concurrent.TimeUnit.DAYS.toNanos(1));
    return System.nanoTime() + remaining;
  }

  @Override
  public long deadlineNanos() {
    return deadlineNanos;
  }

  @Override
  public void applied(long value, boolean duplicate) {
    respond(IncrementResponses.plain(value, duplicate));
  }

  @Override
  public void decided(Decided decided, boolean duplicate) {
    respond(IncrementResponses.of(decided, duplicate));
  }

  private void respond(IncrementResponse response) {
    if (call.isCancelled()) {
      return;
    }
    call.onNext(response);
    call.onCompleted();
  }

  @Override
  public void outOfRange() {
    fail(overflow(delta, "delta"));
  }

  @Override
  public void failed(Throwable cause) {
    fail(StoreFailures.toError(cause, StoreFailures.Operation.INCREMENT));
  }

  @Override
  public boolean abandoned() {
    // The deadline is checked directly too: the cancellation it causes arrives a moment later.
    return call.isCancelled() || (deadline != null && deadline.isExpired());
  }

  private void fail(ServiceError error) {
    if (!call.isCancelled()) {
      call.onError(error.toException());
    }
  }

  static ServiceError overflow(long delta, String field) {
    return new ServiceError(ErrorReason.COUNTER_OVERFLOW,
        "adding " + field + " " + delta + " would take the counter (or this node's shard of it) outside the int64 "
            + "range; nothing was applied",
        java.util.Map.of("field", field, "limit", "int64"));
  }
}
