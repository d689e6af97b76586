package dev.counter.server.grpc;

import static java.util.Objects.requireNonNull;

import dev.counter.server.batching.Admission;
import dev.counter.server.batching.CounterReader;
import dev.counter.server.batching.IncrementBatcher;
import dev.counter.server.batching.PendingIncrement;
import dev.counter.server.batching.RecentValues;
import dev.counter.server.health.ServingState;
import dev.counter.server.store.Bucket;
import dev.counter.server.store.CounterStore;
import dev.counter.server.store.ShardSum;
import dev.counter.v1.BatchGetRequest;
import dev.counter.v1.BatchGetResponse;
import dev.counter.v1.BatchIncrementRequest;
import dev.counter.v1.BatchIncrementResponse;
import dev.counter.v1.CounterServiceGrpc;
import dev.counter.v1.CounterValue;
import dev.counter.v1.DeleteRequest;
import dev.counter.v1.DeleteResponse;
import dev.counter.v1.GetSeriesRequest;
import dev.counter.v1.GetSeriesResponse;
import dev.counter.v1.GetWindowRequest;
import dev.counter.v1.GetWindowResponse;
import dev.counter.v1.ListRequest;
import dev.counter.v1.ListResponse;
import dev.counter.v1.GetRequest;
import dev.counter.v1.GetResponse;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.ResetRequest;
import dev.counter.v1.ResetResponse;
import dev.counter.v1.Shard;
import dev.counter.v1.WatchRequest;
import dev.counter.v1.WatchResponse;
import dev.counter.server.watch.WatchHub;
import dev.counter.server.watch.WatchSubscription;
import dev.counter.server.window.Periods;
import io.grpc.Context;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import javax.annotation.Nullable;

/**
 * {@code counter.v1.CounterService}. Handlers validate, hand increments to the batcher, single reads
 * to the read coalescer and other work to the store, and return at once: nothing here blocks, so
 * the server runs them directly on its transport threads. Answers come from whichever thread
 * completes the work.
 */
public final class CounterGrpcService extends CounterServiceGrpc.CounterServiceImplBase {
  private static final IncrementResponse BUFFERED_RESPONSE = IncrementResponse.getDefaultInstance();

  private final IncrementBatcher batcher;
  private final CounterReader reader;
  private final CounterStore store;
  private final ServingState serving;
  private final WatchHub watches;
  private final RecentValues recent;

  @Inject
  public CounterGrpcService(IncrementBatcher batcher, CounterReader reader, CounterStore store, ServingState serving,
      WatchHub watches, RecentValues recent) {
    this.batcher = requireNonNull(batcher, "batcher is null");
    this.reader = requireNonNull(reader, "reader is null");
    this.store = requireNonNull(store, "store is null");
    this.serving = requireNonNull(serving, "serving is null");
    this.watches = requireNonNull(watches, "watches is null");
    this.recent = requireNonNull(recent, "recent is null");
  }

  @Override
  public void increment(IncrementRequest request, StreamObserver<IncrementResponse> responseObserver) {
    ServerCallStreamObserver<IncrementResponse> call = (ServerCallStreamObserver<IncrementResponse>) responseObserver;
    boolean buffered = RequestValidator.isBuffered(request);
    ServiceError error = RequestValidator.checkIncrement(request, "");
    PolicyRequests.Parsed policy = null;
    if (error == null) {
      policy = PolicyRequests.parse(request, "");
      error = policy.error();
    }
    if (error == null) {
      error = refusal(!buffered);
    }
    if (error != null) {
      call.onError(error.toException());
      return;
    }
    PendingIncrement increment = new PendingIncrement(request.getName(), request.getDelta(), request.getRequestId(),
        buffered, buffered ? BufferedIncrementListener.INSTANCE
            : new UnaryIncrementResponder(call, request.getDelta(), Context.current().getDeadline()), policy.policy());
    Admission admission = batcher.offer(increment);
    if (admission != Admission.ACCEPTED) {
      call.onError(admissionError(admission).toException());
    } else if (buffered) {
      call.onNext(BUFFERED_RESPONSE);
      call.onCompleted();
    }
  }

  @Override
  public void batchIncrement(BatchIncrementRequest request, StreamObserver<BatchIncrementResponse> responseObserver) {
    ServerCallStreamObserver<BatchIncrementResponse> call =
        (ServerCallStreamObserver<BatchIncrementResponse>) responseObserver;
    List<IncrementRequest> items = request.getItemsList();
    boolean anyDurable = false;
    for (IncrementRequest item : items) {
      anyDurable |= !RequestValidator.isBuffered(item);
    }
    ServiceError error = RequestValidator.checkBatchSize(items.size(), "items");
    if (error == null) {
      error = refusal(anyDurable);
    }
    if (error != null) {
      call.onError(error.toException());
      return;
    }
    if (items.isEmpty()) {
      call.onNext(BatchIncrementResponse.getDefaultInstance());
      call.onCompleted();
      return;
    }
    BatchIncrementResponder responder = new BatchIncrementResponder(call, items.size(), Context.current().getDeadline());
    List<PendingIncrement> accepted = new ArrayList<>(items.size());
    List<Integer> bufferedIndexes = new ArrayList<>();
    List<Integer> rejectedIndexes = new ArrayList<>();
    List<ServiceError> rejections = new ArrayList<>();
    for (int i = 0; i < items.size(); i++) {
      IncrementRequest item = items.get(i);
      String prefix = "items[" + i + "].";
      ServiceError itemError = RequestValidator.checkIncrement(item, prefix);
      PolicyRequests.Parsed policy = null;
      if (itemError == null) {
        policy = PolicyRequests.parse(item, prefix);
        itemError = policy.error();
      }
      if (itemError != null) {
        rejectedIndexes.add(i);
        rejections.add(itemError);
        continue;
      }
      boolean buffered = RequestValidator.isBuffered(item);
      accepted.add(new PendingIncrement(item.getName(), item.getDelta(), item.getRequestId(), buffered,
          buffered ? BufferedIncrementListener.INSTANCE : responder.itemListener(i, item.getDelta()),
          policy.policy()));
      if (buffered) {
        bufferedIndexes.add(i);
      }
    }
    Admission admission = batcher.offerAll(accepted);
    if (admission != Admission.ACCEPTED) {
      call.onError(admissionError(admission).toException());
      return;
    }
    // Resolved after offering, so the response cannot be sent before every item is accounted for.
    for (int i = 0; i < rejectedIndexes.size(); i++) {
      responder.reject(rejectedIndexes.get(i), rejections.get(i));
    }
    for (int index : bufferedIndexes) {
      responder.acceptBuffered(index);
    }
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> responseObserver) {
    ServiceError error = RequestValidator.checkName(request.getName(), "name");
    if (error == null) {
      error = refusal(true);
    }
    if (error != null) {
      responseObserver.onError(error.toException());
      return;
    }
    if (!request.getIncludeShards()) {
      long maxAge = RequestValidator.stalenessNanos(request.getMaxStaleness());
      Long fresh = maxAge > 0 ? recent.fresh(request.getName(), maxAge) : null;
      if (fresh != null) {
        // Bounded staleness: a value this node saw, from a command sent at most max_staleness ago.
        responseObserver.onNext(GetResponse.newBuilder().setValue(fresh).build());
        responseObserver.onCompleted();
        return;
      }
      long sentNanos = System.nanoTime();
      respond(reader.get(request.getName()), value -> {
        if (maxAge > 0) {
          // A caller that accepts staleness will likely ask again: keep this counter fresh from now on.
          recent.remember(request.getName(), value, sentNanos);
        }
        return GetResponse.newBuilder().setValue(value).build();
      }, responseObserver, StoreFailures.Operation.READ);
      return;
    }
    respond(store.shards(request.getName()), CounterGrpcService::withShards, responseObserver, StoreFailures.Operation.READ);
  }

  private static GetResponse withShards(Map<String, Long> shards) {
    GetResponse.Builder response = GetResponse.newBuilder().setValue(ShardSum.ofValues(shards.values()));
    shards.forEach((nodeId, value) -> response.addShards(Shard.newBuilder().setNodeId(nodeId).setValue(value)));
    return response.build();
  }

  @Override
  public void batchGet(BatchGetRequest request, StreamObserver<BatchGetResponse> responseObserver) {
    List<String> names = request.getNamesList();
    ServiceError error = RequestValidator.checkBatchSize(names.size(), "names");
    for (int i = 0; i < names.size() && error == null; i++) {
      error = RequestValidator.checkName(names.get(i), "names[" + i + "]");
    }
    if (error == null) {
      error = refusal(true);
    }
    if (error != null) {
      responseObserver.onError(error.toException());
      return;
    }
    long maxAge = RequestValidator.stalenessNanos(request.getMaxStaleness());
    long[] known = new long[names.size()];
    List<String> unknown = new ArrayList<>();
    List<Integer> unknownAt = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      Long fresh = maxAge > 0 ? recent.fresh(names.get(i), maxAge) : null;
      if (fresh != null) {
        known[i] = fresh;
      } else {
        unknown.add(names.get(i));
        unknownAt.add(i);
      }
    }
    long sentNanos = System.nanoTime();
    CompletionStage<List<Long>> read = unknown.isEmpty() ? CompletableFuture.completedFuture(List.of())
        : store.getAll(unknown);
    respond(read, values -> {
      for (int k = 0; k < values.size(); k++) {
        known[unknownAt.get(k)] = values.get(k);
        if (maxAge > 0) {
          recent.remember(unknown.get(k), values.get(k), sentNanos);
        } else {
          recent.observe(unknown.get(k), values.get(k), sentNanos);
        }
      }
      BatchGetResponse.Builder response = BatchGetResponse.newBuilder();
      for (int i = 0; i < names.size(); i++) {
        response.addValues(CounterValue.newBuilder().setName(names.get(i)).setValue(known[i]));
      }
      return response.build();
    }, responseObserver, StoreFailures.Operation.READ);
  }

  @Override
  public void reset(ResetRequest request, StreamObserver<ResetResponse> responseObserver) {
    zero(request.getName(), store::reset, previous -> ResetResponse.newBuilder().setPreviousValue(previous).build(),
        responseObserver, StoreFailures.Operation.RESET);
  }

  /** Reset and Delete: {@code operation} leaves the counter at 0 and answers its previous value. */
  private <R> void zero(String name, Function<String, CompletionStage<Long>> operation, Function<Long, R> toResponse,
      StreamObserver<R> responseObserver, StoreFailures.Operation kind) {
    ServiceError error = RequestValidator.checkName(name, "name");
    if (error == null) {
      error = refusal(true);
    }
    if (error != null) {
      responseObserver.onError(error.toException());
      return;
    }
    long sentNanos = System.nanoTime();
    respond(operation.apply(name), previous -> {
      // Zero when the script ran, after it was sent: a bounded-staleness read may serve that.
      recent.observe(name, 0, sentNanos);
      return toResponse.apply(previous);
    }, responseObserver, kind);
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchResponse> responseObserver) {
    ServerCallStreamObserver<WatchResponse> call = (ServerCallStreamObserver<WatchResponse>) responseObserver;
    ServiceError error = RequestValidator.checkName(request.getName(), "name");
    if (error == null) {
      error = RequestValidator.checkWatchInterval(request.getMinInterval());
    }
    if (error == null) {
      error = refusal(true);
    }
    if (error != null) {
      call.onError(error.toException());
      return;
    }
    // The cancel handler must be set before this method returns; the subscription comes after.
    AtomicReference<WatchSubscription> subscription = new AtomicReference<>();
    call.setOnCancelHandler(() -> {
      WatchSubscription current = subscription.getAndSet(() -> {});
      if (current != null) {
        current.cancel();
      }
    });
    WatchSubscription subscribed = watches.subscribe(request.getName(),
        RequestValidator.watchInterval(request.getMinInterval()), new StreamWatcher(call));
    if (subscribed == null) {
      call.onError(ServiceError.of(ErrorReason.TOO_MANY_WATCHERS,
          "this node serves its maximum number of Watch streams; retry later or on another node").toException());
      return;
    }
    if (!subscription.compareAndSet(null, subscribed)) {
      subscribed.cancel(); // cancelled while subscribing
    }
  }

  @Override
  public void getWindow(GetWindowRequest request, StreamObserver<GetWindowResponse> responseObserver) {
    ServiceError error = RequestValidator.checkName(request.getName(), "name");
    Object periods = error == null ? WindowCalls.periods(request.getWindow(), "window") : null;
    if (periods instanceof ServiceError problem) {
      error = problem;
    }
    if (error == null) {
      error = WindowCalls.checkPeriods(request);
    }
    if (error == null) {
      error = refusal(true);
    }
    if (error != null) {
      responseObserver.onError(error.toException());
      return;
    }
    respond(store.recentBuckets(request.getName(), (Periods) periods, null, Math.max(1, request.getPeriods())),
        WindowCalls::windowResponse, responseObserver, StoreFailures.Operation.READ);
  }

  @Override
  public void getSeries(GetSeriesRequest request, StreamObserver<GetSeriesResponse> responseObserver) {
    ServiceError error = RequestValidator.checkName(request.getName(), "name");
    Object periods = error == null ? WindowCalls.periods(request.getWindow(), "window") : null;
    if (periods instanceof ServiceError problem) {
      error = problem;
    }
    Object range = error == null ? WindowCalls.range(request, (Periods) periods) : null;
    if (range instanceof ServiceError problem) {
      error = problem;
    }
    if (error == null) {
      error = refusal(true);
    }
    if (error != null) {
      responseObserver.onError(error.toException());
      return;
    }
    CompletionStage<List<Bucket>> buckets = range instanceof long[] indexes
        ? store.buckets(request.getName(), (Periods) periods, indexes[0], indexes[1])
        : store.recentBuckets(request.getName(), (Periods) periods,
            request.hasStart() ? WindowCalls.millis(request.getStart()) : null, WindowCalls.DEFAULT_SERIES_PERIODS);
    respond(buckets, WindowCalls::seriesResponse, responseObserver, StoreFailures.Operation.READ);
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<DeleteResponse> responseObserver) {
    zero(request.getName(), store::delete, previous -> DeleteResponse.newBuilder().setPreviousValue(previous).build(),
        responseObserver, StoreFailures.Operation.DELETE);
  }

  @Override
  public void list(ListRequest request, StreamObserver<ListResponse> responseObserver) {
    ServiceError error = RequestValidator.checkListing(request);
    if (error == null) {
      error = refusal(true);
    }
    if (error != null) {
      responseObserver.onError(error.toException());
      return;
    }
    int pageSize = request.getPageSize() == 0 ? RequestValidator.DEFAULT_PAGE_SIZE : request.getPageSize();
    store.list(request.getPrefix(), pageSize, request.getPageToken(), request.getIncludeValues())
        .whenComplete((page, failure) -> {
          Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null
              ? failure.getCause() : failure;
          if (cause instanceof IllegalArgumentException foreign) {
            responseObserver.onError(ServiceError.invalid(ErrorReason.PAGE_TOKEN_INVALID, "page_token",
                "page_token: " + foreign.getMessage(), "a next_page_token of this service").toException());
          } else if (cause != null) {
            responseObserver.onError(StoreFailures.toError(cause, StoreFailures.Operation.READ).toException());
          } else {
            ListResponse.Builder response = ListResponse.newBuilder().setNextPageToken(page.nextToken());
            for (int i = 0; i < page.names().size(); i++) {
              CounterValue.Builder counter = CounterValue.newBuilder().setName(page.names().get(i));
              if (page.values() != null) {
                counter.setValue(page.values().get(i));
              }
              response.addCounters(counter);
            }
            responseObserver.onNext(response.build());
            responseObserver.onCompleted();
          }
        });
  }

  /** Why a call must be refused before doing any work, or null to go ahead. */
  @Nullable
  private ServiceError refusal(boolean needsStore) {
    if (serving.draining()) {
      return ServiceError.of(ErrorReason.SERVER_DRAINING, "the server is shutting down; retry on another node");
    }
    if (needsStore && !serving.storeAvailable()) {
      return ServiceError.of(ErrorReason.STORE_UNAVAILABLE,
          serving.storeProblem() + "; nothing was applied: retry, on another node if need be");
    }
    return null;
  }

  private static ServiceError admissionError(Admission admission) {
    if (admission == Admission.BUFFER_FULL) {
      return ServiceError.of(ErrorReason.PENDING_BUFFER_FULL,
          "the node's buffer of pending increments is full; nothing was applied, back off and retry");
    }
    return ServiceError.of(ErrorReason.SERVER_DRAINING, "the server is shutting down; nothing was applied");
  }

  private static <T, R> void respond(CompletionStage<T> stage, Function<T, R> toResponse, StreamObserver<R> observer,
      StoreFailures.Operation operation) {
    stage.whenComplete((value, error) -> {
      if (error != null) {
        observer.onError(StoreFailures.toError(error, operation).toException());
        return;
      }
      R response;
      try {
        response = toResponse.apply(value);
      } catch (RuntimeException e) {
        observer.onError(StoreFailures.toError(e, operation).toException());
        return;
      }
      observer.onNext(response);
      observer.onCompleted();
    });
  }
}
