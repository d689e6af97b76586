package dev.counter.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.common.base.Utf8;
import com.google.rpc.ErrorInfo;
import dev.counter.server.devredis.RedisProcess;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.BatchGetRequest;
import dev.counter.v1.BatchIncrementRequest;
import dev.counter.v1.CounterServiceGrpc.CounterServiceBlockingStub;
import dev.counter.v1.GetRequest;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based bad input over a real Netty port: random names (any code point, control
 * characters, braces, 512/513 bytes), deltas (0, ±1, the int64 edges), request ids, batch sizes
 * up to and past the limit, unknown enum values. Every input gets the status SPEC §2.4 gives it,
 * and a sentinel counter never changes.
 */
class BadInputPropertiesIT {
  private static final long SENTINEL_VALUE = 4242;

  private static Path dir;
  private static RedisProcess redis;
  private static TestServer server;
  private static String sentinel;
  private static final Map<String, Long> expected = new HashMap<>();

  @BeforeContainer
  static void start() throws Exception {
    dir = Files.createTempDirectory("bad-input-");
    redis = RedisServerExtension.startOnFreePort(dir, List.of("--save", "", "--appendonly", "no"));
    server = TestServer.start(redis.uri());
    sentinel = TestNames.unique("sentinel");
    stub().increment(IncrementRequest.newBuilder().setName(sentinel).setDelta(SENTINEL_VALUE).build());
  }

  @AfterContainer
  static void stop() {
    server.stop();
    redis.stop();
  }

  @AfterProperty
  void sentinelUnchanged() {
    assertThat(stub().get(GetRequest.newBuilder().setName(sentinel).build()).getValue()).isEqualTo(SENTINEL_VALUE);
  }

  private static CounterServiceBlockingStub stub() {
    return server.stub();
  }

  @Provide
  Arbitrary<String> names() {
    Arbitrary<Integer> codePoints = Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(5, Arbitraries.integers().between(0x20, 0x7e)),
        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0, 0x1f)),
        net.jqwik.api.Tuple.of(2, Arbitraries.of((int) '{', (int) '}', (int) '%', (int) ':', 0x7f)),
        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0x80, 0xd7ff)),
        net.jqwik.api.Tuple.of(2, Arbitraries.integers().between(0xe000, 0x10ffff)));
    return codePoints.list().ofMinSize(0).ofMaxSize(200).map(points -> {
      StringBuilder name = new StringBuilder();
      points.forEach(name::appendCodePoint);
      return name.toString();
    }).edgeCases(edges -> edges.add("").add("{").add("}").add("%7D").add("a".repeat(512)).add("a".repeat(513))
        .add("\uD83D\uDE00".repeat(128)).add("\uD83D\uDE00".repeat(128) + "a"));
  }

  @Property(tries = 400)
  void anyNameGetsTheSpecifiedOutcome(@ForAll("names") String name, @ForAll @IntRange(min = -5, max = 5) int delta) {
    int bytes = Utf8.encodedLength(name);
    IncrementRequest request = IncrementRequest.newBuilder().setName(name).setDelta(delta).build();
    if (name.isEmpty()) {
      assertInvalid(() -> stub().increment(request), "NAME_REQUIRED");
      assertInvalid(() -> stub().get(GetRequest.newBuilder().setName(name).build()), "NAME_REQUIRED");
    } else if (bytes > 512) {
      assertInvalid(() -> stub().increment(request), "NAME_TOO_LONG");
      assertInvalid(() -> stub().batchGet(BatchGetRequest.newBuilder().addNames(name).build()), "NAME_TOO_LONG");
    } else {
      long value = expected.merge(name, (long) delta, Long::sum);
      assertThat(stub().increment(request).getValue()).isEqualTo(value);
      assertThat(stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isEqualTo(value);
    }
  }

  @Property(tries = 300)
  void deltasAreExactAndOverflowFailsAlone(@ForAll long first, @ForAll long second) {
    String name = TestNames.unique("delta");
    assertThat(stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(first).build()).getValue())
        .isEqualTo(first);
    BigInteger sum = BigInteger.valueOf(first).add(BigInteger.valueOf(second));
    IncrementRequest next = IncrementRequest.newBuilder().setName(name).setDelta(second).build();
    if (sum.bitLength() < 64) {
      assertThat(stub().increment(next).getValue()).isEqualTo(sum.longValueExact());
    } else {
      StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, () -> stub().increment(next));
      assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.OUT_OF_RANGE);
      assertThat(reason(error)).isEqualTo("COUNTER_OVERFLOW");
      assertThat(stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isEqualTo(first);
    }
  }

  @Provide
  Arbitrary<String> requestIds() {
    return Arbitraries.strings().withCharRange((char) 0x20, (char) 0x7e).withCharRange('\u00e0', '\u00ff')
        .ofMinLength(0).ofMaxLength(140)
        .edgeCases(edges -> edges.add("").add("r".repeat(128)).add("r".repeat(129)).add("\u00e9".repeat(64))
            .add("\u00e9".repeat(65)));
  }

  @Property(tries = 300)
  void requestIdsWithinTheLimitDeduplicateAndLongerOnesAreRefused(@ForAll("requestIds") String requestId) {
    String name = TestNames.unique("id");
    IncrementRequest request = IncrementRequest.newBuilder().setName(name).setDelta(3).setRequestId(requestId).build();
    if (Utf8.encodedLength(requestId) > 128) {
      assertInvalid(() -> stub().increment(request), "REQUEST_ID_TOO_LONG");
      assertThat(stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isZero();
      return;
    }
    IncrementResponse first = stub().increment(request);
    IncrementResponse second = stub().increment(request);
    assertThat(first.getValue()).isEqualTo(3);
    if (requestId.isEmpty()) {
      assertThat(second.getValue()).as("no id, no deduplication").isEqualTo(6);
    } else {
      assertThat(second.getDuplicate()).isTrue();
      assertThat(second.getValue()).isEqualTo(3);
    }
  }

  @Property(tries = 12)
  void batchesUpToTheLimitWorkAndLargerOnesAreRefused(
      @ForAll @IntRange(min = 0, max = 10_001) int size) {
    String name = TestNames.unique("batch");
    BatchIncrementRequest.Builder batch = BatchIncrementRequest.newBuilder();
    BatchGetRequest.Builder names = BatchGetRequest.newBuilder();
    IncrementRequest item = IncrementRequest.newBuilder().setName(name).setDelta(1).build();
    for (int i = 0; i < size; i++) {
      batch.addItems(item);
      names.addNames(name);
    }
    if (size > 10_000) {
      assertInvalid(() -> stub().batchIncrement(batch.build()), "TOO_MANY_ITEMS");
      assertInvalid(() -> stub().batchGet(names.build()), "TOO_MANY_ITEMS");
      assertThat(stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isZero();
    } else {
      assertThat(stub().batchIncrement(batch.build()).getResultsCount()).isEqualTo(size);
      assertThat(stub().batchGet(names.build()).getValuesList())
          .allSatisfy(value -> assertThat(value.getValue()).isEqualTo(size));
    }
  }

  @Property(tries = 60)
  void unknownDurabilitiesAreRefused(@ForAll @IntRange(min = -3, max = 1000) int durability) {
    String name = TestNames.unique("durability");
    IncrementRequest request = IncrementRequest.newBuilder().setName(name).setDelta(1).setDurabilityValue(durability)
        .build();
    if (durability >= 0 && durability <= 2) {
      assertThat(stub().increment(request).getValue()).isEqualTo(durability == 2 ? 0 : 1);
    } else {
      assertInvalid(() -> stub().increment(request), "UNKNOWN_DURABILITY");
    }
  }

  private static void assertInvalid(Runnable call, String reason) {
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class, call::run);
    assertThat(error).as("expected INVALID_ARGUMENT %s", reason).isNotNull();
    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(error)).isEqualTo(reason);
  }

  private static String reason(StatusRuntimeException error) {
    try {
      return StatusProto.fromThrowable(error).getDetails(0).unpack(ErrorInfo.class).getReason();
    } catch (Exception e) {
      return "no ErrorInfo: " + e;
    }
  }
}
