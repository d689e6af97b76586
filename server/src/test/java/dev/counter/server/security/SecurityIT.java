package dev.counter.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import dev.counter.cli.CounterCli;
import dev.counter.client.CounterClient;
import dev.counter.server.config.ServerConfig;
import dev.counter.server.devredis.RedisProcess;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestCertificates;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import io.grpc.ChannelCredentials;
import io.grpc.Status;
import io.grpc.TlsChannelCredentials;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** TLS and mutual TLS on the gRPC port; Redis passwords and rediss://; no secret ever leaks. */
class SecurityIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static final String PASSWORD = "s3cr3t-P4ssw0rd-never-shown";

  @TempDir static Path dir;
  private static TestCertificates ca;
  private static Path caFile;
  private static Path[] serverPair;
  private static Path[] clientPair;
  private static Path[] roguePair;

  @BeforeAll
  static void certificates() throws Exception {
    ca = TestCertificates.newCa("counter test CA");
    caFile = ca.writeCa(dir.resolve("ca.crt"));
    serverPair = ca.issue(dir, "server");
    clientPair = ca.issue(dir, "client");
    roguePair = TestCertificates.newCa("rogue CA").issue(dir, "rogue");
  }

  @Test
  void tlsServesTlsClientsAndNoPlaintextOnes() throws Exception {
    try (TestServer server = TestServer.startWith(TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build(),
        redis.uri(), "--tls-cert", serverPair[0].toString(), "--tls-key", serverPair[1].toString())) {
      try (CounterClient tls = client(server, TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build())) {
        assertThat(tls.increment(TestNames.unique("tls"), 3)).isEqualTo(3);
      }
      try (CounterClient plaintext = CounterClient.newBuilder().target("127.0.0.1:" + server.port()).maxAttempts(1)
          .deadline(Duration.ofSeconds(5)).build()) {
        Throwable error = catchThrowable(() -> plaintext.get("x"));
        assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      }
      StringWriter out = new StringWriter();
      int code = CounterCli.run(new PrintWriter(out, true), new PrintWriter(new StringWriter(), true),
          "--target", "127.0.0.1:" + server.port(), "--tls-ca", caFile.toString(), "inc", "cli-tls", "4");
      assertThat(code).isZero();
      assertThat(out.toString()).isEqualTo("4\n");
    }
  }

  @Test
  void mutualTlsRequiresAClientCertificateFromTheTrustedCa() throws Exception {
    ChannelCredentials trusted = TlsChannelCredentials.newBuilder().trustManager(caFile.toFile())
        .keyManager(clientPair[0].toFile(), clientPair[1].toFile()).build();
    try (TestServer server = TestServer.startWith(trusted, redis.uri(), "--tls-cert", serverPair[0].toString(),
        "--tls-key", serverPair[1].toString(), "--tls-client-ca", caFile.toString())) {
      try (CounterClient client = client(server, trusted)) {
        assertThat(client.increment(TestNames.unique("mtls"), 1)).isEqualTo(1);
      }
      ChannelCredentials anonymous = TlsChannelCredentials.newBuilder().trustManager(caFile.toFile()).build();
      ChannelCredentials rogue = TlsChannelCredentials.newBuilder().trustManager(caFile.toFile())
          .keyManager(roguePair[0].toFile(), roguePair[1].toFile()).build();
      for (ChannelCredentials refused : List.of(anonymous, rogue)) {
        try (CounterClient client = client(server, refused)) {
          Throwable error = catchThrowable(() -> client.get("x"));
          assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        }
      }
    }
  }

  /** The events so far; the appender adds under its own lock while server threads log. */
  private static List<ILoggingEvent> snapshot(ListAppender<ILoggingEvent> logs) {
    synchronized (logs) {
      return new ArrayList<>(logs.list);
    }
  }

  @Test
  void theRedisPasswordNeverAppearsInLogsErrorsMetricsOrHelp() throws Exception {
    RedisProcess secured = RedisServerExtension.startOnFreePort(dir.resolve("secured-redis"),
        List.of("--save", "", "--appendonly", "no", "--requirepass", PASSWORD));
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    logs.start();
    root.addAppender(logs);
    List<String> seen = new ArrayList<>();
    int metricsPort = RedisProcess.freePort();
    String uri = "redis://:" + PASSWORD + "@127.0.0.1:" + secured.port();
    try {
      try (TestServer server = TestServer.start(uri, "--metrics-port", Integer.toString(metricsPort),
              "--health-interval", "200ms");
          CounterClient client = CounterClient.newBuilder().target(server.target()).maxAttempts(1).build()) {
        assertThat(client.increment(TestNames.unique("pw"), 1)).isEqualTo(1);
        secured.kill(); // errors now: what do callers and logs see?
        server.awaitStatus(io.grpc.health.v1.HealthCheckResponse.ServingStatus.NOT_SERVING, Duration.ofSeconds(10));
        for (int i = 0; i < 3; i++) {
          Throwable error = catchThrowable(() -> client.increment("after-kill", 1));
          seen.add(String.valueOf(error));
          seen.add(String.valueOf(Status.fromThrowable(error).getDescription()));
        }
        seen.add(HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body());
      }
      // A wrong password: the node refuses to start, with one line that names the flag.
      RedisProcess again = RedisServerExtension.startOnFreePort(dir.resolve("secured-redis-2"),
          List.of("--save", "", "--appendonly", "no", "--requirepass", PASSWORD));
      try {
        Throwable refused = catchThrowable(() -> TestServer.launch(io.grpc.InsecureChannelCredentials.create(),
            "redis://:wrong-" + PASSWORD + "@127.0.0.1:" + again.port()).close());
        assertThat(refused).isInstanceOf(dev.counter.server.config.ConfigurationException.class)
            .hasMessageContaining("refused the credentials");
        seen.add(String.valueOf(refused));
        StringWriter trace = new StringWriter();
        refused.printStackTrace(new PrintWriter(trace));
        seen.add(trace.toString());
      } finally {
        again.stop();
      }
      StringWriter help = new StringWriter();
      ServerConfig.commandLine(Map.of("COUNTER_REDIS", uri)).usage(new PrintWriter(help));
      seen.add(help.toString());
    } finally {
      root.detachAppender(logs);
      secured.stop();
    }
    for (ILoggingEvent event : snapshot(logs)) {
      seen.add(event.getFormattedMessage());
      if (event.getThrowableProxy() != null) {
        seen.add(ThrowableProxyUtil.asString(event.getThrowableProxy()));
      }
    }
    assertThat(logs.list).as("something was logged").isNotEmpty();
    assertThat(seen).noneMatch(text -> text.contains(PASSWORD));
  }

  @Test
  void redissConnectsToATlsRedisTrustingAPrivateCa() throws Exception {
    Path[] redisPair = ca.issue(dir, "redis");
    RedisProcess tlsRedis;
    int tlsPort = RedisProcess.freePort();
    try {
      tlsRedis = RedisServerExtension.startOnFreePort(dir.resolve("tls-redis"), List.of("--save", "", "--appendonly",
          "no", "--tls-port", Integer.toString(tlsPort), "--tls-cert-file", redisPair[0].toString(),
          "--tls-key-file", redisPair[1].toString(), "--tls-ca-cert-file", caFile.toString(),
          "--tls-auth-clients", "no"));
    } catch (IllegalStateException e) {
      Assumptions.abort("this redis-server has no TLS support (" + e.getMessage() + ")");
      return;
    }
    try (TestServer server = TestServer.start("rediss://127.0.0.1:" + tlsPort, "--redis-tls-ca", caFile.toString());
        CounterClient client = CounterClient.forTarget(server.target())) {
      assertThat(client.increment(TestNames.unique("rediss"), 7)).isEqualTo(7);
    } finally {
      tlsRedis.stop();
    }
  }

  private static CounterClient client(TestServer server, ChannelCredentials credentials) {
    return CounterClient.newBuilder().target("localhost:" + server.port()).credentials(credentials).maxAttempts(1)
        .deadline(Duration.ofSeconds(5)).build();
  }

}
