package dev.counter.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.google.rpc.ErrorInfo;
import dev.counter.client.CounterClient;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.CounterServiceGrpc;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bytes that are not what the protocol promises: invalid protobuf, oversized messages, garbage on
 * the TCP port. Each gets a clear status or a closed connection; the server keeps serving
 * everyone else, and no counter changes.
 */
class MalformedInputIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private static TestServer server;
  private static CounterClient client;
  private static String sentinel;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(redis.uri(), "--max-message-size", "65536");
    client = CounterClient.forTarget(server.target());
    sentinel = TestNames.unique("sentinel");
    client.increment(sentinel, 42);
  }

  @AfterAll
  static void stop() {
    assertThat(client.get(sentinel)).as("no other counter changed").isEqualTo(42);
    client.close();
    server.stop();
  }

  @Test
  void invalidProtobufIsInvalidArgumentOnEveryMethod() {
    List<byte[]> malformed = List.of(
        new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff},
        new byte[] {0x0a, 0x05, (byte) 0xc3, 0x28, 0x41, 0x41, 0x41}, // name: invalid UTF-8
        new byte[] {0x0a, 0x7f, 0x41}, // name: length beyond the message
        new byte[] {0x10}); // delta: truncated varint
    for (MethodDescriptor<?, ?> method : CounterServiceGrpc.getServiceDescriptor().getMethods()) {
      if (method.getType() != MethodDescriptor.MethodType.UNARY && method.getType()
          != MethodDescriptor.MethodType.SERVER_STREAMING) {
        continue;
      }
      for (byte[] bytes : malformed) {
        StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
            () -> callRaw(method, bytes));
        assertThat(error).as("%s with %s bytes", method.getFullMethodName(), bytes.length).isNotNull();
        assertThat(error.getStatus().getCode()).as(method.getFullMethodName()).isEqualTo(Status.Code.INVALID_ARGUMENT);
        assertThat(reason(error)).isEqualTo("MALFORMED_REQUEST");
      }
    }
    assertThat(client.increment(TestNames.unique("after"), 1)).isEqualTo(1);
  }

  @Test
  void oversizedMessagesAreRefusedWithAClearStatus() {
    byte[] big = new byte[100_000];
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> callRaw(CounterServiceGrpc.getIncrementMethod(), big));
    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(client.increment(TestNames.unique("after-big"), 1)).isEqualTo(1);
  }

  /** Protobuf ignores fields it does not know, whatever their number; so does the server. */
  @Test
  void unknownFieldsAreIgnoredWhateverTheirNumber() throws Exception {
    String name = TestNames.unique("unknown-field");
    for (int field : new int[] {15, 1000, 536_870_911}) {
      byte[] request = concat(IncrementRequest.newBuilder().setName(name).setDelta(2).build().toByteArray(),
          lengthDelimited(field, "not ours".getBytes(StandardCharsets.UTF_8)));
      IncrementResponse response = IncrementResponse.parseFrom(callRaw(CounterServiceGrpc.getIncrementMethod(), request,
          null));
      assertThat(response.getValue()).as("field %d", field).isIn(2L, 4L, 6L);
    }
    assertThat(client.get(name)).isEqualTo(6);
  }

  @Test
  void errorMessagesNeverEchoTheRequestsBytes() {
    byte[] request = concat(lengthDelimited(536_870_911, "SECRET-BYTES".getBytes(StandardCharsets.UTF_8)),
        new byte[] {0x10}); // then a truncated varint
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> callRaw(CounterServiceGrpc.getIncrementMethod(), request, null));

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(reason(error)).isEqualTo("MALFORMED_REQUEST");
    assertThat(error.getStatus().getDescription()).doesNotContain("SECRET");
  }

  /** The README's limits table: a request too large is RESOURCE_EXHAUSTED, compressed or not. */
  @Test
  void aCompressedRequestThatInflatesPastTheLimitIsResourceExhausted() {
    byte[] request = concat(IncrementRequest.newBuilder().setName(TestNames.unique("zip")).setDelta(1).build()
        .toByteArray(), lengthDelimited(1000, new byte[200_000]));
    StatusRuntimeException error = catchThrowableOfType(StatusRuntimeException.class,
        () -> callRaw(CounterServiceGrpc.getIncrementMethod(), request, "gzip"));

    assertThat(error.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(reason(error)).isEqualTo("REQUEST_TOO_LARGE");
    assertThat(client.increment(TestNames.unique("after-zip"), 1)).isEqualTo(1);
  }

  private static byte[] lengthDelimited(int field, byte[] value) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    try {
      com.google.protobuf.CodedOutputStream out = com.google.protobuf.CodedOutputStream.newInstance(bytes);
      out.writeByteArray(field, value);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  @Test
  void garbageConnectionsDoNotDisturbTheServer() throws Exception {
    Random random = new Random(11);
    List<byte[]> garbage = List.of(
        "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
        "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII), // preface, then nothing valid
        randomBytes(random, 64 * 1024),
        // A valid preface followed by a frame header announcing a 16 MB HEADERS frame.
        concat("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII),
            new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, 0x01, 0x05, 0x00, 0x00, 0x00, 0x01}),
        new byte[0]);
    for (byte[] bytes : garbage) {
      try (Socket socket = new Socket("127.0.0.1", server.port())) {
        socket.setSoTimeout(5000);
        OutputStream out = socket.getOutputStream();
        out.write(bytes);
        out.flush();
        // The server answers with an error or closes; either way it reads what we sent and goes on.
        socket.getInputStream().read(new byte[1024]);
      } catch (IOException closedByServer) {
        // a reset is an acceptable answer to garbage
      }
      assertThat(client.increment(TestNames.unique("alive"), 1)).as("still serving").isEqualTo(1);
    }
    // Many half-open connections at once do not exhaust anything.
    List<Socket> idle = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < 200; i++) {
        idle.add(new Socket("127.0.0.1", server.port()));
      }
      assertThat(client.increment(TestNames.unique("alive-idle"), 1)).isEqualTo(1);
    } finally {
      for (Socket socket : idle) {
        socket.close();
      }
    }
  }

  private static <Q, R> byte[] callRaw(MethodDescriptor<Q, R> method, byte[] request) {
    return callRaw(method, request, null);
  }

  private static <Q, R> byte[] callRaw(MethodDescriptor<Q, R> method, byte[] request, String compression) {
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.port()).usePlaintext().build();
    try {
      MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(method.getType())
          .setFullMethodName(method.getFullMethodName())
          .setRequestMarshaller(RAW)
          .setResponseMarshaller(RAW)
          .build();
      CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(5, TimeUnit.SECONDS).withCompression(compression);
      if (method.getType() == MethodDescriptor.MethodType.SERVER_STREAMING) {
        return ClientCalls.blockingServerStreamingCall(channel, raw, options, request).next();
      }
      return ClientCalls.blockingUnaryCall(channel, raw, options, request);
    } finally {
      channel.shutdownNow();
    }
  }

  private static String reason(StatusRuntimeException error) {
    try {
      return StatusProto.fromThrowable(error).getDetails(0).unpack(ErrorInfo.class).getReason();
    } catch (Exception e) {
      return "no ErrorInfo: " + e;
    }
  }

  private static byte[] randomBytes(Random random, int size) {
    byte[] bytes = new byte[size];
    random.nextBytes(bytes);
    return bytes;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] both = new byte[a.length + b.length];
    System.arraycopy(a, 0, both, 0, a.length);
    System.arraycopy(b, 0, both, a.length, b.length);
    return both;
  }
}
