package dev.counter.server.grpc;

import com.google.protobuf.Duration;
import com.google.protobuf.Timestamp;
import dev.counter.server.store.Decided;
import dev.counter.v1.Decision;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.LimitStatus;
import dev.counter.v1.Period;
import dev.counter.v1.WindowPeriod;

/** Builds the {@code IncrementResponse} of a durable increment from what the store decided. */
final class IncrementResponses {
  private IncrementResponses() {}

  /** A plain increment: applied (by this call or, for a duplicate, by the first). */
  static IncrementResponse plain(long value, boolean duplicate) {
    return IncrementResponse.newBuilder().setValue(value).setDuplicate(duplicate).setApplied(true).build();
  }

  /** An increment with windows, limits or a ttl. */
  static IncrementResponse of(Decided decided, boolean duplicate) {
    IncrementResponse.Builder response = IncrementResponse.newBuilder()
        .setValue(decided.value())
        .setDuplicate(duplicate)
        .setApplied(decided.applied())
        .setDecision(switch (decided.decision()) {
          case NONE -> Decision.DECISION_UNSPECIFIED;
          case ALLOWED -> Decision.DECISION_ALLOWED;
          case DENIED -> Decision.DECISION_DENIED;
        });
    for (Decided.WindowPeriod window : decided.windows()) {
      response.addWindows(WindowPeriod.newBuilder()
          .setPeriod(period(window.startMillis(), window.endMillis()))
          .setValue(window.value()));
    }
    for (Decided.LimitStatus limit : decided.limits()) {
      LimitStatus.Builder status = LimitStatus.newBuilder()
          .setSum(limit.sum())
          .setRemaining(limit.remaining())
          .setExceeded(limit.exceeded());
      if (limit.coveredStartMillis() >= 0) {
        status.setCovered(period(limit.coveredStartMillis(), limit.coveredEndMillis()));
      }
      response.addLimits(status);
    }
    if (decided.retryAfterMillis() >= 0) {
      response.setRetryAfter(Duration.newBuilder().setSeconds(decided.retryAfterMillis() / 1000)
          .setNanos((int) (decided.retryAfterMillis() % 1000) * 1_000_000));
    }
    return response.build();
  }

  static Period period(long startMillis, long endMillis) {
    return Period.newBuilder().setStart(timestamp(startMillis)).setEnd(timestamp(endMillis)).build();
  }

  static Timestamp timestamp(long epochMillis) {
    return Timestamp.newBuilder().setSeconds(Math.floorDiv(epochMillis, 1000))
        .setNanos((int) Math.floorMod(epochMillis, 1000) * 1_000_000).build();
  }
}
