package dev.counter.client;

import static java.util.Objects.requireNonNull;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import dev.counter.v1.BatchGetRequest;
import dev.counter.v1.BatchGetResponse;
import dev.counter.v1.BatchIncrementRequest;
import dev.counter.v1.BatchIncrementResponse;
import dev.counter.v1.CounterServiceGrpc;
import dev.counter.v1.Bucket;
import dev.counter.v1.CounterValue;
import dev.counter.v1.DeleteRequest;
import dev.counter.v1.DeleteResponse;
import dev.counter.v1.GetSeriesRequest;
import dev.counter.v1.GetSeriesResponse;
import dev.counter.v1.GetWindowRequest;
import dev.counter.v1.GetWindowResponse;
import dev.counter.v1.ListRequest;
import dev.counter.v1.ListResponse;
import dev.counter.v1.Window;
import dev.counter.v1.Durability;
import dev.counter.v1.GetRequest;
import dev.counter.v1.GetResponse;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.ResetRequest;
import dev.counter.v1.ResetResponse;
import dev.counter.v1.WatchRequest;
import dev.counter.v1.WatchResponse;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * An ergonomic client for {@code counter.v1.CounterService}.
 *
 * <ul>
 *   <li>Every call carries a deadline (default 5 s).
 *   <li>Every increment carries a request id (one is generated when the request has none), and
 *       calls failing with UNAVAILABLE are retried by gRPC with the same request, so a retried
 *       increment is applied exactly once. {@code Reset} is not retried.
 *   <li>Blocking methods throw {@link io.grpc.StatusRuntimeException}; async methods complete
 *       their future exceptionally with it.
 * </ul>
 *
 * <p>Thread-safe. Built from a target it owns its channel and {@link #close()} shuts it down; built
 * from a {@link Channel} it leaves the channel to its owner (who should apply
 * {@link ClientServiceConfig#serviceConfig()} for the retry policy).
 */
public final class CounterClient implements AutoCloseable {
  private final Channel channel;
  private final ManagedChannel ownedChannel;
  private final Duration deadline;
  private final CounterServiceGrpc.CounterServiceBlockingStub blocking;
  private final CounterServiceGrpc.CounterServiceFutureStub async;

  private CounterClient(Channel channel, ManagedChannel ownedChannel, Duration deadline) {
    this.channel = channel;
    this.ownedChannel = ownedChannel;
    this.deadline = deadline;
    this.blocking = CounterServiceGrpc.newBlockingStub(channel);
    this.async = CounterServiceGrpc.newFutureStub(channel);
  }

  /**
   * A client over a new plaintext channel to {@code target}: {@code host:port},
   * {@code dns:///host:port} (every address the name resolves to) or a comma-separated list
   * {@code host1:port1,host2:port2}; calls are balanced round robin.
   */
  public static CounterClient forTarget(String target) {
    return newBuilder().target(target).build();
  }

  /** A client over an existing channel, which the caller keeps owning. */
  public static CounterClient forChannel(Channel channel) {
    return newBuilder().channel(channel).build();
  }

  public static Builder newBuilder() {
    return new Builder();
  }

  /**
   * Adds {@code delta} durably and returns the counter's value right after it. The call carries a
   * fresh request id, so gRPC's own retries of it apply once (a retry that finds the first attempt
   * applied returns that attempt's value). To see the {@code duplicate} flag, or to retry with your
   * own idempotency key across restarts, use {@link #increment(String, long, String)}.
   */
  public long increment(String name, long delta) {
    return increment(IncrementRequest.newBuilder().setName(name).setDelta(delta).build()).getValue();
  }

  /**
   * Adds {@code delta} durably under {@code requestId} (at most 128 bytes; an order id, say): within
   * the server's idempotency window, any later call with the same name and id applies nothing and
   * answers {@code duplicate = true} with the first call's value.
   */
  public IncrementResponse increment(String name, long delta, String requestId) {
    return increment(IncrementRequest.newBuilder().setName(name).setDelta(delta).setRequestId(requestId).build());
  }

  /** Adds {@code delta} into the server's buffer (no value comes back; see {@code DURABILITY_BUFFERED}). */
  public void incrementBuffered(String name, long delta) {
    increment(IncrementRequest.newBuilder().setName(name).setDelta(delta)
        .setDurability(Durability.DURABILITY_BUFFERED).build());
  }

  /** Sends {@code request}, adding a request id when it has none; the response says whether it was a duplicate. */
  public IncrementResponse increment(IncrementRequest request) {
    return blocking().increment(withRequestId(request));
  }

  public CompletableFuture<Long> incrementAsync(String name, long delta) {
    return incrementAsync(IncrementRequest.newBuilder().setName(name).setDelta(delta).build())
        .thenApply(IncrementResponse::getValue);
  }

  public CompletableFuture<IncrementResponse> incrementAsync(IncrementRequest request) {
    return toCompletable(async().increment(withRequestId(request)));
  }

  /** Sends a batch, adding a request id to every item that has none. */
  public BatchIncrementResponse batchIncrement(BatchIncrementRequest request) {
    return blocking().batchIncrement(withRequestIds(request));
  }

  public CompletableFuture<BatchIncrementResponse> batchIncrementAsync(BatchIncrementRequest request) {
    return toCompletable(async().batchIncrement(withRequestIds(request)));
  }

  /**
   * Takes {@code delta} from a rate limit or quota: adds it to {@code name} and to {@code window},
   * but only if the window's last {@code periods} periods then hold at most {@code max} (one
   * period: a fixed window; more: a sliding one). The response says whether it was applied
   * ({@code getApplied()}), and, when not, when to retry ({@code getRetryAfter()}).
   */
  public IncrementResponse tryAcquire(String name, long delta, Window window, int periods, long max) {
    return increment(IncrementRequest.newBuilder().setName(name).setDelta(delta).addWindows(window)
        .addLimits(periods <= 1 ? Limits.perPeriod(0, max) : Limits.sliding(0, periods, max)).build());
  }

  /** The counter's value (0 when it does not exist). */
  public long get(String name) {
    return get(GetRequest.newBuilder().setName(name).build()).getValue();
  }

  public GetResponse get(GetRequest request) {
    return blocking().get(request);
  }

  public CompletableFuture<Long> getAsync(String name) {
    return getAsync(GetRequest.newBuilder().setName(name).build()).thenApply(GetResponse::getValue);
  }

  public CompletableFuture<GetResponse> getAsync(GetRequest request) {
    return toCompletable(async().get(request));
  }

  /** The values of {@code names}, in the same order. */
  public List<Long> batchGet(List<String> names) {
    return values(blocking().batchGet(BatchGetRequest.newBuilder().addAllNames(names).build()));
  }

  public CompletableFuture<List<Long>> batchGetAsync(List<String> names) {
    return toCompletable(async().batchGet(BatchGetRequest.newBuilder().addAllNames(names).build()))
        .thenApply(CounterClient::values);
  }

  /** Sets the counter to 0 and returns the value it had. Not retried automatically. */
  public long reset(String name) {
    return blocking().reset(ResetRequest.newBuilder().setName(name).build()).getPreviousValue();
  }

  public CompletableFuture<Long> resetAsync(String name) {
    return toCompletable(async().reset(ResetRequest.newBuilder().setName(name).build()))
        .thenApply(ResetResponse::getPreviousValue);
  }

  /**
   * A window of {@code name} now (the server's Redis clock): the sum of its last {@code periods}
   * periods (0 or 1: the current one), the range that covers, and the buckets.
   */
  public GetWindowResponse getWindow(String name, Window window, int periods) {
    return blocking().getWindow(GetWindowRequest.newBuilder().setName(name).setWindow(window).setPeriods(periods)
        .build());
  }

  public CompletableFuture<GetWindowResponse> getWindowAsync(String name, Window window, int periods) {
    return toCompletable(async().getWindow(GetWindowRequest.newBuilder().setName(name).setWindow(window)
        .setPeriods(periods).build()));
  }

  /**
   * The buckets of {@code window} from the period containing {@code start} to the one containing
   * {@code end}, oldest first (null start: 60 periods; null end: up to the current period).
   */
  public List<Bucket> series(String name, Window window, Instant start, Instant end) {
    return blocking().getSeries(seriesRequest(name, window, start, end)).getBucketsList();
  }

  public CompletableFuture<List<Bucket>> seriesAsync(String name, Window window, Instant start, Instant end) {
    return toCompletable(async().getSeries(seriesRequest(name, window, start, end)))
        .thenApply(GetSeriesResponse::getBucketsList);
  }

  private static GetSeriesRequest seriesRequest(String name, Window window, Instant start, Instant end) {
    GetSeriesRequest.Builder request = GetSeriesRequest.newBuilder().setName(name).setWindow(window);
    if (start != null) {
      request.setStart(timestamp(start));
    }
    if (end != null) {
      request.setEnd(timestamp(end));
    }
    return request.build();
  }

  private static com.google.protobuf.Timestamp timestamp(Instant instant) {
    return com.google.protobuf.Timestamp.newBuilder().setSeconds(instant.getEpochSecond()).setNanos(instant.getNano())
        .build();
  }

  /** Removes the counter and everything it owns (windows, records); returns its value. Not retried. */
  public long delete(String name) {
    return blocking().delete(DeleteRequest.newBuilder().setName(name).build()).getPreviousValue();
  }

  public CompletableFuture<Long> deleteAsync(String name) {
    return toCompletable(async().delete(DeleteRequest.newBuilder().setName(name).build()))
        .thenApply(DeleteResponse::getPreviousValue);
  }

  /** One page of the counters whose names start with {@code prefix} (see {@code ListRequest}). */
  public ListResponse list(String prefix, int pageSize, String pageToken, boolean includeValues) {
    return blocking().list(ListRequest.newBuilder().setPrefix(prefix).setPageSize(pageSize).setPageToken(pageToken)
        .setIncludeValues(includeValues).build());
  }

  /** Every counter whose name starts with {@code prefix}, page by page as it is iterated. */
  public Iterable<CounterValue> listAll(String prefix, boolean includeValues) {
    return () -> new java.util.Iterator<>() {
      private java.util.Iterator<CounterValue> page = java.util.Collections.emptyIterator();
      private String token = "";
      private boolean last;

      @Override
      public boolean hasNext() {
        while (!page.hasNext() && !last) {
          ListResponse response = list(prefix, 0, token, includeValues);
          page = response.getCountersList().iterator();
          token = response.getNextPageToken();
          last = token.isEmpty();
        }
        return page.hasNext();
      }

      @Override
      public CounterValue next() {
        if (!hasNext()) {
          throw new java.util.NoSuchElementException();
        }
        return page.next();
      }
    };
  }

  /**
   * Streams counter {@code name}: {@code onValue} gets its current value, then new values, at
   * most one per {@code minInterval} (null for the server's default, 100 ms). The stream has no
   * deadline; it ends when the returned handle is closed, or with {@code onError} (UNAVAILABLE
   * when the server shuts down: watch again). Callbacks run on a gRPC thread and must not block.
   */
  public WatchHandle watch(String name, Duration minInterval, Consumer<Long> onValue, Consumer<Throwable> onError) {
    WatchRequest.Builder request = WatchRequest.newBuilder().setName(name);
    if (minInterval != null) {
      request.setMinInterval(com.google.protobuf.Duration.newBuilder()
          .setSeconds(minInterval.getSeconds()).setNanos(minInterval.getNano()));
    }
    AtomicReference<ClientCallStreamObserver<WatchRequest>> call = new AtomicReference<>();
    CounterServiceGrpc.newStub(channel).watch(request.build(), new ClientResponseObserver<WatchRequest, WatchResponse>() {
      @Override
      public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
        call.set(requestStream);
      }

      @Override
      public void onNext(WatchResponse response) {
        onValue.accept(response.getValue());
      }

      @Override
      public void onError(Throwable error) {
        if (!(error instanceof io.grpc.StatusRuntimeException status
            && status.getStatus().getCode() == io.grpc.Status.Code.CANCELLED && call.get() == null)) {
          onError.accept(error);
        }
      }

      @Override
      public void onCompleted() {}
    });
    return () -> {
      ClientCallStreamObserver<WatchRequest> stream = call.getAndSet(null);
      if (stream != null) {
        stream.cancel("watch closed by the client", null);
      }
    };
  }

  /** Ends a {@link #watch}; idempotent. */
  @FunctionalInterface
  public interface WatchHandle extends AutoCloseable {
    @Override
    void close();
  }

  /** The channel calls go through. */
  public Channel channel() {
    return channel;
  }

  /** Shuts down the channel if this client created it, waiting up to 5 s for calls in flight. */
  @Override
  public void close() {
    if (ownedChannel == null) {
      return;
    }
    ownedChannel.shutdown();
    try {
      if (!ownedChannel.awaitTermination(5, TimeUnit.SECONDS)) {
        ownedChannel.shutdownNow();
      }
    } catch (InterruptedException e) {
      ownedChannel.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }

  private CounterServiceGrpc.CounterServiceBlockingStub blocking() {
    return blocking.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  private CounterServiceGrpc.CounterServiceFutureStub async() {
    return async.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  private static IncrementRequest withRequestId(IncrementRequest request) {
    return request.getRequestId().isEmpty()
        ? request.toBuilder().setRequestId(RequestIds.next()).build()
        : request;
  }

  private static BatchIncrementRequest withRequestIds(BatchIncrementRequest request) {
    boolean complete = true;
    for (IncrementRequest item : request.getItemsList()) {
      complete &= !item.getRequestId().isEmpty();
    }
    if (complete) {
      return request;
    }
    BatchIncrementRequest.Builder builder = request.toBuilder();
    for (int i = 0; i < builder.getItemsCount(); i++) {
      if (builder.getItems(i).getRequestId().isEmpty()) {
        builder.setItems(i, builder.getItems(i).toBuilder().setRequestId(RequestIds.next()));
      }
    }
    return builder.build();
  }

  private static List<Long> values(BatchGetResponse response) {
    List<Long> values = new ArrayList<>(response.getValuesCount());
    for (CounterValue value : response.getValuesList()) {
      values.add(value.getValue());
    }
    return values;
  }

  private static <T> CompletableFuture<T> toCompletable(ListenableFuture<T> future) {
    CompletableFuture<T> result = new CompletableFuture<>() {
      @Override
      public boolean cancel(boolean mayInterruptIfRunning) {
        future.cancel(mayInterruptIfRunning);
        return super.cancel(mayInterruptIfRunning);
      }
    };
    Futures.addCallback(future, new FutureCallback<T>() {
      @Override
      public void onSuccess(T value) {
        result.complete(value);
      }

      @Override
      public void onFailure(Throwable error) {
        result.completeExceptionally(error);
      }
    }, MoreExecutors.directExecutor());
    return result;
  }

  /** Configures a {@link CounterClient}. */
  public static final class Builder {
    private String target;
    private Channel channel;
    private Duration deadline = Duration.ofSeconds(5);
    private ChannelCredentials credentials = InsecureChannelCredentials.create();
    private int maxAttempts = ClientServiceConfig.DEFAULT_MAX_ATTEMPTS;
    private Function<io.grpc.ManagedChannelBuilder<?>, io.grpc.ManagedChannelBuilder<?>> customizer = b -> b;

    private Builder() {}

    /**
     * Where to connect: {@code host:port}, {@code dns:///host:port} to balance over every address
     * of a name, or {@code host1:port1,host2:port2} to balance over a list.
     */
    public Builder target(String target) {
      this.target = requireNonNull(target, "target is null");
      return this;
    }

    /** Use this channel instead of creating one; the caller keeps owning it. */
    public Builder channel(Channel channel) {
      this.channel = requireNonNull(channel, "channel is null");
      return this;
    }

    /** Deadline of every call (default 5 s). */
    public Builder deadline(Duration deadline) {
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("deadline must be positive");
      }
      this.deadline = deadline;
      return this;
    }

    /** Channel credentials for a target (default plaintext). */
    public Builder credentials(ChannelCredentials credentials) {
      this.credentials = requireNonNull(credentials, "credentials is null");
      return this;
    }

    /** Attempts per call including the first, for UNAVAILABLE (default 5; 1 disables retries). */
    public Builder maxAttempts(int maxAttempts) {
      if (maxAttempts < 1) {
        throw new IllegalArgumentException("maxAttempts must be at least 1");
      }
      this.maxAttempts = maxAttempts;
      return this;
    }

    /** Further channel settings applied last (message sizes, keepalive, executors...). */
    public Builder customizeChannel(
        Function<io.grpc.ManagedChannelBuilder<?>, io.grpc.ManagedChannelBuilder<?>> customizer) {
      this.customizer = requireNonNull(customizer, "customizer is null");
      return this;
    }

    public CounterClient build() {
      if ((target == null) == (channel == null)) {
        throw new IllegalStateException("set exactly one of target and channel");
      }
      if (channel != null) {
        return new CounterClient(channel, null, deadline);
      }
      io.grpc.ManagedChannelBuilder<?> builder = Grpc.newChannelBuilder(Targets.toGrpcTarget(target), credentials)
          .defaultServiceConfig(ClientServiceConfig.serviceConfig(maxAttempts))
          .enableRetry()
          .maxInboundMessageSize(16 * 1024 * 1024);
      ManagedChannel managed = customizer.apply(builder).build();
      return new CounterClient(managed, managed, deadline);
    }
  }
}
