package dev.counter.server.telemetry;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.counter.server.testing.Await;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.CounterServiceGrpc;
import dev.counter.v1.IncrementRequest;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * With --otlp-endpoint, spans of calls and flushes reach an OTLP/HTTP receiver (here a loopback
 * HTTP server that keeps what it is sent), and a call's span continues the caller's W3C trace.
 */
class TracingIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static final String TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";

  private HttpServer receiver;
  private final List<byte[]> exports = new CopyOnWriteArrayList<>();

  @BeforeEach
  void startReceiver() throws Exception {
    receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    receiver.createContext("/v1/traces", exchange -> {
      exports.add(exchange.getRequestBody().readAllBytes());
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    receiver.start();
  }

  @AfterEach
  void stopReceiver() {
    receiver.stop(0);
  }

  @Test
  void callsAndFlushesAreTracedInTheCallersTrace() throws Exception {
    String endpoint = "http://127.0.0.1:" + receiver.getAddress().getPort();
    try (TestServer server = TestServer.start(redis.uri(), "--otlp-endpoint", endpoint, "--trace-sample-ratio", "1")) {
      Metadata headers = new Metadata();
      headers.put(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER),
          "00-" + TRACE_ID + "-00f067aa0ba902b7-01");
      CounterServiceGrpc.CounterServiceBlockingStub traced =
          server.stub().withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
      assertThat(traced.increment(IncrementRequest.newBuilder().setName(TestNames.unique("traced")).setDelta(2).build())
          .getValue()).isEqualTo(2);
    } // stopping the node exports what the batch span processor holds

    Await.until("spans at the OTLP receiver", Duration.ofSeconds(10), () -> !exports.isEmpty());
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    exports.forEach(all::writeBytes);
    byte[] body = all.toByteArray();
    String text = new String(body, StandardCharsets.ISO_8859_1);
    assertThat(text).contains("counter.v1.CounterService/Increment").contains("counter.flush")
        .contains("counter-server");
    // OTLP protobuf carries trace ids as 16 raw bytes: the caller's trace id is the call span's.
    assertThat(indexOf(body, HexFormat.of().parseHex(TRACE_ID))).as("the caller's trace id in the export").isNotNegative();
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i <= haystack.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
