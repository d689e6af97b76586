package dev.counter.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import dev.counter.server.testing.Await;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.BatchGetRequest;
import dev.counter.v1.BatchGetResponse;
import dev.counter.v1.BatchIncrementRequest;
import dev.counter.v1.BatchIncrementResponse;
import dev.counter.v1.CounterServiceGrpc.CounterServiceBlockingStub;
import dev.counter.v1.CounterValue;
import dev.counter.v1.Durability;
import dev.counter.v1.GetRequest;
import dev.counter.v1.GetResponse;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import dev.counter.v1.IncrementResult;
import dev.counter.v1.ResetRequest;
import dev.counter.v1.Shard;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.protobuf.StatusProto;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every rpc and every error of SPEC §2 over a real Netty port, against a real Redis. */
class CounterServiceIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static TestServer server;

  @BeforeAll
  static void startServer() throws Exception {
    server = TestServer.start(redis.uri());
  }

  @AfterAll
  static void stopServer() {
    server.stop();
  }

  private static CounterServiceBlockingStub stub() {
    return server.stub();
  }

  @Test
  void durableIncrementsReturnTheValueAfterThem() {
    String name = TestNames.unique("durable");
    assertThat(increment(name, 5).getValue()).isEqualTo(5);
    assertThat(increment(name, -7).getValue()).isEqualTo(-2);
    assertThat(increment(name, 0).getValue()).isEqualTo(-2);
    IncrementResponse explicit = stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(3)
        .setDurability(Durability.DURABILITY_DURABLE).build());
    assertThat(explicit.getValue()).isEqualTo(1);
    assertThat(explicit.getDuplicate()).isFalse();
    assertThat(get(name)).isEqualTo(1);
  }

  @Test
  void bufferedIncrementsAnswerAtOnceAndBecomeVisibleAtTheirFlush() {
    String name = TestNames.unique("buffered");
    for (int i = 0; i < 10; i++) {
      IncrementResponse response = stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(2)
          .setDurability(Durability.DURABILITY_BUFFERED).build());
      assertThat(response.getValue()).isZero();
    }
    Await.until("buffered increments flushed", Duration.ofSeconds(10), () -> get(name) == 20);
  }

  @Test
  void aRetriedRequestIdAppliesOnceAndReturnsTheFirstValue() {
    String name = TestNames.unique("retry");
    IncrementRequest request = IncrementRequest.newBuilder().setName(name).setDelta(10).setRequestId("req-1").build();
    IncrementResponse first = stub().increment(request);
    increment(name, 1);
    IncrementResponse retry = stub().increment(request);

    assertThat(first.getValue()).isEqualTo(10);
    assertThat(first.getDuplicate()).isFalse();
    assertThat(retry.getValue()).isEqualTo(10);
    assertThat(retry.getDuplicate()).isTrue();
    assertThat(get(name)).isEqualTo(11);
  }

  @Test
  void valuesNearTheInt64LimitsStayExactAndOverflowIsOutOfRange() {
    String name = TestNames.unique("limits");
    assertThat(increment(name, Long.MAX_VALUE).getValue()).isEqualTo(Long.MAX_VALUE);
    StatusRuntimeException overflow = catchThrowableOfType(StatusRuntimeException.class, () -> increment(name, 1));
    assertError(overflow, Status.Code.OUT_OF_RANGE, "COUNTER_OVERFLOW", "delta");
    assertThat(increment(name, -1).getValue()).isEqualTo(Long.MAX_VALUE - 1);
    assertThat(stub().reset(ResetRequest.newBuilder().setName(name).build()).getPreviousValue())
        .isEqualTo(Long.MAX_VALUE - 1);
    assertThat(increment(name, Long.MIN_VALUE).getValue()).isEqualTo(Long.MIN_VALUE);
    assertError(catchThrowableOfType(StatusRuntimeException.class, () -> increment(name, -1)),
        Status.Code.OUT_OF_RANGE, "COUNTER_OVERFLOW", "delta");
    assertThat(get(name)).isEqualTo(Long.MIN_VALUE);
    assertThat(increment(name, (1L << 53) + 1).getValue()).isEqualTo(Long.MIN_VALUE + (1L << 53) + 1);
  }

  @Test
  void invalidArgumentsNameTheFieldAndTheLimit() {
    assertInvalid(() -> increment("", 1), "NAME_REQUIRED", "name");
    assertInvalid(() -> increment("x".repeat(513), 1), "NAME_TOO_LONG", "name");
    // 171 three-byte characters: 171 chars but 513 bytes.
    assertInvalid(() -> increment("\u20AC".repeat(171), 1), "NAME_TOO_LONG", "name");
    assertInvalid(() -> stub().increment(IncrementRequest.newBuilder().setName("n").setDelta(1)
        .setRequestId("r".repeat(129)).build()), "REQUEST_ID_TOO_LONG", "request_id");
    assertInvalid(() -> stub().increment(IncrementRequest.newBuilder().setName("n").setDelta(1)
        .setDurabilityValue(7).build()), "UNKNOWN_DURABILITY", "durability");
    assertInvalid(() -> stub().get(GetRequest.newBuilder().setName("").build()), "NAME_REQUIRED", "name");
    assertInvalid(() -> stub().reset(ResetRequest.newBuilder().setName("y".repeat(600)).build()),
        "NAME_TOO_LONG", "name");
    assertInvalid(() -> stub().batchGet(BatchGetRequest.newBuilder().addNames("ok").addNames("").build()),
        "NAME_REQUIRED", "names[1]");

    BatchIncrementRequest.Builder tooMany = BatchIncrementRequest.newBuilder();
    BatchGetRequest.Builder tooManyNames = BatchGetRequest.newBuilder();
    for (int i = 0; i <= 10_000; i++) {
      tooMany.addItems(IncrementRequest.newBuilder().setName("n").setDelta(1));
      tooManyNames.addNames("n");
    }
    assertInvalid(() -> stub().batchIncrement(tooMany.build()), "TOO_MANY_ITEMS", "items");
    assertInvalid(() -> stub().batchGet(tooManyNames.build()), "TOO_MANY_ITEMS", "names");
  }

  @Test
  void limitsAreInclusive() {
    String name = "\uD83D\uDE00".repeat(128); // 128 four-byte characters: exactly 512 bytes
    stub().reset(ResetRequest.newBuilder().setName(name).build());
    IncrementResponse response = stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1)
        .setRequestId("r".repeat(128)).build());
    assertThat(response.getValue()).isPositive();
    assertThat(stub().reset(ResetRequest.newBuilder().setName(name).build()).getPreviousValue())
        .isEqualTo(response.getValue());
  }

  @Test
  void batchIncrementResolvesEachItemOnItsOwnInRequestOrder() {
    String a = TestNames.unique("batch-a");
    String full = TestNames.unique("batch-full");
    increment(full, Long.MAX_VALUE);
    BatchIncrementRequest request = BatchIncrementRequest.newBuilder()
        .addItems(IncrementRequest.newBuilder().setName(a).setDelta(1))
        .addItems(IncrementRequest.newBuilder().setName("").setDelta(1))
        .addItems(IncrementRequest.newBuilder().setName(full).setDelta(1))
        .addItems(IncrementRequest.newBuilder().setName(a).setDelta(2).setRequestId("b1"))
        .addItems(IncrementRequest.newBuilder().setName(a).setDelta(2).setRequestId("b1"))
        .addItems(IncrementRequest.newBuilder().setName(a).setDelta(100).setDurability(Durability.DURABILITY_BUFFERED))
        .build();

    BatchIncrementResponse response = stub().batchIncrement(request);

    List<IncrementResult> results = response.getResultsList();
    assertThat(results).hasSize(6);
    assertThat(results.get(0).getResponse().getValue()).isEqualTo(1);
    assertThat(results.get(1).getError().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT.value());
    assertThat(results.get(1).getError().getReason()).isEqualTo("NAME_REQUIRED");
    assertThat(results.get(1).getError().getMessage()).contains("items[1].name");
    assertThat(results.get(2).getError().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE.value());
    assertThat(results.get(2).getError().getReason()).isEqualTo("COUNTER_OVERFLOW");
    assertThat(results.get(3).getResponse().getValue()).isEqualTo(3);
    assertThat(results.get(4).getResponse().getDuplicate()).isTrue();
    assertThat(results.get(4).getResponse().getValue()).isEqualTo(3);
    assertThat(results.get(5).hasResponse()).isTrue();
    Await.until("the buffered item", Duration.ofSeconds(10), () -> get(a) == 103);
    assertThat(get(full)).isEqualTo(Long.MAX_VALUE);
    assertThat(stub().batchIncrement(BatchIncrementRequest.getDefaultInstance()).getResultsCount()).isZero();
  }

  @Test
  void getCanShowEveryShard() {
    String name = TestNames.unique("shards");
    increment(name, 42);
    GetResponse response = stub().get(GetRequest.newBuilder().setName(name).setIncludeShards(true).build());
    assertThat(response.getValue()).isEqualTo(42);
    assertThat(response.getShardsList()).extracting(Shard::getValue).containsExactly(42L);
    assertThat(response.getShards(0).getNodeId()).matches("\\d+");
    assertThat(stub().get(GetRequest.newBuilder().setName(name).build()).getShardsCount()).isZero();
  }

  @Test
  void batchGetAnswersInRequestOrderWithDuplicatesAndUnknowns() {
    String a = TestNames.unique("a");
    String b = TestNames.unique("b");
    increment(a, 1);
    increment(b, 2);
    BatchGetResponse response = stub().batchGet(BatchGetRequest.newBuilder()
        .addNames(b).addNames(a).addNames(TestNames.unique("none")).addNames(b).build());
    assertThat(response.getValuesList()).extracting(CounterValue::getValue).containsExactly(2L, 1L, 0L, 2L);
    assertThat(response.getValues(1).getName()).isEqualTo(a);
    assertThat(stub().batchGet(BatchGetRequest.getDefaultInstance()).getValuesCount()).isZero();
  }

  @Test
  void resetReturnsThePreviousValueAndCountsRestartFromZero() {
    String name = TestNames.unique("reset");
    increment(name, 9);
    assertThat(stub().reset(ResetRequest.newBuilder().setName(name).build()).getPreviousValue()).isEqualTo(9);
    assertThat(get(name)).isZero();
    assertThat(increment(name, 1).getValue()).isEqualTo(1);
    assertThat(stub().reset(ResetRequest.newBuilder().setName(TestNames.unique("never")).build())
        .getPreviousValue()).isZero();
  }

  @Test
  void hostileNamesAreLegalAndNeverCollide() {
    String base = TestNames.unique("h");
    List<String> names = List.of(base, base + "}", "{" + base + "}", base + "%7D", base + "}:i:1",
        base + "\u0000\u0001\u001f", base + " \t\n", base + ":", base + "\uD83D\uDE00", "%" + base, "ctr:{" + base);
    for (int i = 0; i < names.size(); i++) {
      assertThat(increment(names.get(i), i + 1).getValue()).as(names.get(i)).isEqualTo(i + 1);
    }
    BatchGetRequest.Builder request = BatchGetRequest.newBuilder().addAllNames(names);
    List<Long> values = stub().batchGet(request.build()).getValuesList().stream().map(CounterValue::getValue).toList();
    for (int i = 0; i < names.size(); i++) {
      assertThat(values.get(i)).as(names.get(i)).isEqualTo(i + 1);
    }
  }

  @Test
  void aFullPendingBufferIsResourceExhausted() throws Exception {
    try (TestServer small = TestServer.start(redis.uri(), "--max-pending", "5")) {
      BatchIncrementRequest.Builder batch = BatchIncrementRequest.newBuilder();
      for (int i = 0; i < 6; i++) {
        batch.addItems(IncrementRequest.newBuilder().setName(TestNames.unique("p")).setDelta(1));
      }
      assertError(catchThrowableOfType(StatusRuntimeException.class, () -> small.stub().batchIncrement(batch.build())),
          Status.Code.RESOURCE_EXHAUSTED, "PENDING_BUFFER_FULL", null);
      batch.removeItems(5);
      assertThat(small.stub().batchIncrement(batch.build()).getResultsCount()).isEqualTo(5);
    }
  }

  @Test
  void healthReportsServingForTheServerAndTheService() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(server.channel());
    assertThat(health.check(HealthCheckRequest.getDefaultInstance()).getStatus()).isEqualTo(ServingStatus.SERVING);
    assertThat(health.check(HealthCheckRequest.newBuilder().setService("counter.v1.CounterService").build())
        .getStatus()).isEqualTo(ServingStatus.SERVING);
  }

  @Test
  void reflectionListsTheServicesOnBothVersions() throws Exception {
    CompletableFuture<List<String>> v1 = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> v1Requests = ServerReflectionGrpc.newStub(server.channel())
        .serverReflectionInfo(firstResponse(v1, (ServerReflectionResponse response) ->
            response.getListServicesResponse().getServiceList().stream().map(ServiceResponse::getName).toList()));
    v1Requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    assertThat(v1.get(10, TimeUnit.SECONDS)).contains("counter.v1.CounterService", "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection");
    v1Requests.onCompleted();

    CompletableFuture<List<String>> v1alpha = new CompletableFuture<>();
    StreamObserver<io.grpc.reflection.v1alpha.ServerReflectionRequest> v1alphaRequests =
        io.grpc.reflection.v1alpha.ServerReflectionGrpc.newStub(server.channel()).serverReflectionInfo(
            firstResponse(v1alpha, (io.grpc.reflection.v1alpha.ServerReflectionResponse response) ->
                response.getListServicesResponse().getServiceList().stream()
                    .map(io.grpc.reflection.v1alpha.ServiceResponse::getName).toList()));
    v1alphaRequests.onNext(io.grpc.reflection.v1alpha.ServerReflectionRequest.newBuilder().setListServices("").build());
    assertThat(v1alpha.get(10, TimeUnit.SECONDS)).contains("counter.v1.CounterService");
    v1alphaRequests.onCompleted();
  }

  /** An observer that completes {@code result} with what {@code extract} makes of the first response. */
  private static <R, T> StreamObserver<R> firstResponse(CompletableFuture<T> result, Function<R, T> extract) {
    return new StreamObserver<>() {
      @Override
      public void onNext(R response) {
        result.complete(extract.apply(response));
      }

      @Override
      public void onError(Throwable error) {
        result.completeExceptionally(error);
      }

      @Override
      public void onCompleted() {}
    };
  }

  private static IncrementResponse increment(String name, long delta) {
    return stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(delta).build());
  }

  private static long get(String name) {
    return stub().get(GetRequest.newBuilder().setName(name).build()).getValue();
  }

  private static void assertInvalid(Runnable call, String reason, String field) {
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, call::run);
    assertError(error, Status.Code.INVALID_ARGUMENT, reason, field);
  }

  static void assertError(StatusRuntimeException error, Status.Code code, String reason, String field) {
    assertThat(error).as("expected %s", code).isNotNull();
    assertThat(error.getStatus().getCode()).isEqualTo(code);
    com.google.rpc.Status status = StatusProto.fromThrowable(error);
    assertThat(status).as("a google.rpc.Status detail").isNotNull();
    ErrorInfo info;
    try {
      info = status.getDetails(0).unpack(ErrorInfo.class);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    assertThat(info.getDomain()).isEqualTo("counter.v1");
    assertThat(info.getReason()).isEqualTo(reason);
    if (field != null) {
      assertThat(info.getMetadataMap()).containsEntry("field", field).containsKey("limit");
      assertThat(error.getStatus().getDescription()).contains(field);
    }
  }
}
