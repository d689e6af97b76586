package dev.counter.server.grpc;

import dev.counter.server.batching.IncrementListener;
import dev.counter.server.store.Decided;
import dev.counter.v1.BatchIncrementResponse;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.IncrementResult;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Collects the outcome of every item of one {@code BatchIncrement} call and answers once the last
 * one is known. Each slot is written once, before the countdown; the thread that brings the
 * count to zero therefore sees every slot.
 */
final class BatchIncrementResponder {
  private static final IncrementResult ACCEPTED_INTO_BUFFER =
      IncrementResult.newBuilder().setResponse(IncrementResponse.getDefaultInstance()).build();

  private final ServerCallStreamObserver<BatchIncrementResponse> call;
  private final IncrementResult[] results;
  private final AtomicInteger outstanding;
  private final long deadlineNanos;

  /** @param deadline the call's deadline, or null without one */
  BatchIncrementResponder(ServerCallStreamObserver<BatchIncrementResponse> call, int size, io.grpc.Deadline deadline) {
    this.call = call;
    this.results = new IncrementResult[size];
    this.outstanding = new AtomicInteger(size);
    this.deadlineNanos = UnaryIncrementResponder.deadlineNanos(deadline);
  }

  /** Resolves item {@code index} now with an error. */
  void reject(int index, ServiceError error) {
    resolve(index, IncrementResult.newBuilder().setError(error.toItemError()).build());
  }

  /** Resolves a buffered item now: accepted. */
  void acceptBuffered(int index) {
    resolve(index, ACCEPTED_INTO_BUFFER);
  }

  /** The listener for a durable item that goes to the batcher. */
  IncrementListener itemListener(int index, long delta) {
    return new IncrementListener() {
      @Override
      public void applied(long value, boolean duplicate) {
        resolve(index, IncrementResult.newBuilder().setResponse(IncrementResponses.plain(value, duplicate)).build());
      }

      @Override
      public void decided(Decided decided, boolean duplicate) {
        resolve(index, IncrementResult.newBuilder().setResponse(IncrementResponses.of(decided, duplicate)).build());
      }

      @Override
      public void outOfRange() {
        reject(index, UnaryIncrementResponder.overflow(delta, "items[" + index + "].delta"));
      }

      @Override
      public void failed(Throwable cause) {
        reject(index, StoreFailures.toError(cause, StoreFailures.Operation.INCREMENT));
      }

      @Override
      public boolean abandoned() {
        return call.isCancelled();
      }

      @Override
      public long deadlineNanos() {
        return deadlineNanos;
      }
    };
  }

  private void resolve(int index, IncrementResult result) {
    results[index] = result;
    if (outstanding.decrementAndGet() == 0 && !call.isCancelled()) {
      BatchIncrementResponse.Builder response = BatchIncrementResponse.newBuilder();
      for (IncrementResult each : results) {
        response.addResults(each);
      }
      call.onNext(response.build());
      call.onCompleted();
    }
  }
}
