package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.testing.ExternalCommand;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestCertificates;
import dev.counter.server.testing.TestServer;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each configuration mistake an operator can make at start ends the packaged server with exit
 * code 2 and one line on its output naming the cause and the flag: no stack trace, no retry loop.
 */
class ConfigurationErrorsIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();
  @RegisterExtension static final RedisServerExtension passwordRedis = RedisServerExtension.withArgs(
      "--requirepass", "the-right-one");
  @RegisterExtension static final RedisServerExtension clusterNode = RedisServerExtension.withArgs(
      "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf");

  @TempDir Path dir;

  @Test
  void grpcPortInUse() throws Exception {
    try (ServerSocket taken = listening()) {
      assertOneLineError(run("--redis", redis.uri(), "--host", "127.0.0.1", "--port", port(taken)),
          "gRPC port 127.0.0.1:" + taken.getLocalPort() + " is already in use", "--port");
    }
  }

  @Test
  void metricsPortInUse() throws Exception {
    try (ServerSocket taken = listening()) {
      assertOneLineError(run("--redis", redis.uri(), "--metrics-host", "127.0.0.1", "--metrics-port", port(taken)),
          "metrics port 127.0.0.1:" + taken.getLocalPort() + " is already in use", "--metrics-port");
    }
  }

  @Test
  void dataDirectoryUsedByAnotherNode() throws Exception {
    Path dataDir = dir.resolve("data");
    try (TestServer first = TestServer.start(null, "--data-dir", dataDir.toString())) {
      assertOneLineError(run("--data-dir", dataDir.toString()),
          "another counter-server is using the data directory " + dataDir.toAbsolutePath(), "--data-dir");
    }
  }

  @Test
  void pkcs1TlsKey() throws Exception {
    Path cert = TestCertificates.newCa("ca").issue(dir, "server")[0];
    KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    StringWriter pem = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
      writer.writeObject(rsa.generateKeyPair().getPrivate());
    }
    assertThat(pem.toString()).startsWith("-----BEGIN RSA PRIVATE KEY-----");
    Path key = Files.writeString(dir.resolve("pkcs1.key"), pem.toString());

    assertOneLineError(run("--redis", redis.uri(), "--tls-cert", cert.toString(), "--tls-key", key.toString()),
        "is a PKCS#1 RSA key; the server needs PKCS#8", "--tls-key");
  }

  @Test
  void garbageTlsKey() throws Exception {
    Path cert = TestCertificates.newCa("ca").issue(dir, "server")[0];
    Path key = Files.writeString(dir.resolve("garbage.key"), "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n");

    assertOneLineError(run("--redis", redis.uri(), "--tls-cert", cert.toString(), "--tls-key", key.toString()),
        "holds no RSA, EC or EdDSA key in PKCS#8 form", "--tls-key");
  }

  @Test
  void redisRefusesThePassword() throws Exception {
    ExternalCommand.Result result = run("--redis", "redis://:not-the-password@127.0.0.1:" + passwordRedis.port());

    assertOneLineError(result, "Redis at redis://127.0.0.1:" + passwordRedis.port() + " refused the credentials", "--redis");
    assertThat(result.output()).doesNotContain("not-the-password");
    // And with no password at all where one is needed.
    assertOneLineError(run("--redis", passwordRedis.uri()), "refused the credentials", "--redis");
  }

  @Test
  void redisClusterFlagOnAPlainRedis() throws Exception {
    assertOneLineError(run("--redis-cluster", redis.uri()), "a Redis without cluster mode", "--redis-cluster");
  }

  @Test
  void redisFlagOnAClusterNode() throws Exception {
    assertOneLineError(run("--redis", clusterNode.uri()), "a Redis Cluster node", "--redis-cluster");
  }

  @Test
  void badFlagValue() throws Exception {
    assertOneLineError(run("--redis", redis.uri(), "--max-pending", "0"), "--max-pending must be between", "--max-pending");
  }

  private static ServerSocket listening() throws Exception {
    ServerSocket socket = new ServerSocket();
    socket.bind(new InetSocketAddress("127.0.0.1", 0));
    return socket;
  }

  private static String port(ServerSocket socket) {
    return Integer.toString(socket.getLocalPort());
  }

  /** Runs the packaged server with free ports unless {@code args} name them. */
  private ExternalCommand.Result run(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-jar", Path.of("target", "counter-server.jar").toAbsolutePath().toString(),
        "--data-dir", dir.resolve("own-data").toString()));
    List<String> given = List.of(args);
    if (!given.contains("--port")) {
      command.addAll(List.of("--port", "0"));
    }
    if (!given.contains("--metrics-port")) {
      command.addAll(List.of("--metrics-port", "0"));
    }
    command.addAll(given);
    return ExternalCommand.run(dir, command, Map.of(), Duration.ofSeconds(60));
  }

  private static void assertOneLineError(ExternalCommand.Result result, String cause, String flag) {
    assertThat(result.exitCode()).as(result.output()).isEqualTo(Main.CONFIGURATION_ERROR);
    List<String> errorLines = result.output().lines().filter(line -> line.startsWith("counter-server: ")).toList();
    assertThat(errorLines).as(result.output()).hasSize(1);
    assertThat(errorLines.get(0)).contains(cause).contains(flag);
    assertThat(result.output()).as("no stack trace").doesNotContain("\tat ").doesNotContain("Exception");
  }
}
