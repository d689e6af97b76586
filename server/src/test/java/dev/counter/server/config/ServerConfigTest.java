package dev.counter.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class ServerConfigTest {
  @Test
  void defaults() {
    ServerConfig config = ServerConfig.parse(Map.of());

    assertThat(config.port()).isEqualTo(9090);
    assertThat(config.host()).isEmpty();
    assertThat(config.redisUri()).isEmpty();
    assertThat(config.nodeId()).isEmpty();
    assertThat(config.maxNodeId()).isEqualTo(1023);
    assertThat(config.nodeLeaseTtl()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.keyPrefix()).isEqualTo("ctr:");
    assertThat(config.idempotencyWindow()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.maxPending()).isEqualTo(100_000);
    assertThat(config.flushLinger()).isEqualTo(Duration.ZERO);
    assertThat(config.flushMaxOps()).isEqualTo(4096);
    assertThat(config.redisTimeout()).isEqualTo(Duration.ofSeconds(2));
    assertThat(config.healthInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.shutdownGrace()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.dataDir()).isEqualTo(Path.of("./data"));
    assertThat(config.maxMessageSize()).isEqualTo(8 * 1024 * 1024);
    assertThat(config.clusterSeeds()).isEmpty();
    assertThat(config.clusterRefreshPeriod()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.replicaAcks()).isZero();
    assertThat(config.replicaAckTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.directExecutor()).isTrue();
  }

  @Test
  void operationsSettings() {
    ServerConfig defaults = ServerConfig.parse(Map.of());
    assertThat(defaults.metricsHost()).isEmpty();
    assertThat(defaults.otlpEndpoint()).isEmpty();
    assertThat(defaults.traceSampleRatio()).isEqualTo(0.01);
    assertThat(defaults.logFormat()).isEqualTo("text");

    ServerConfig set = ServerConfig.parse(Map.of("COUNTER_LOG_FORMAT", "json", "COUNTER_METRICS_HOST", "127.0.0.1"),
        "--otlp-endpoint", "http://127.0.0.1:4318", "--trace-sample-ratio", "0.5");
    assertThat(set.metricsHost()).contains("127.0.0.1");
    assertThat(set.otlpEndpoint()).contains(java.net.URI.create("http://127.0.0.1:4318"));
    assertThat(set.traceSampleRatio()).isEqualTo(0.5);
    assertThat(set.logFormat()).isEqualTo("json");

    assertThatThrownBy(() -> ServerConfig.parse(Map.of(), "--log-format", "xml")).hasMessage(
        "--log-format must be text or json, was xml");
    assertThatThrownBy(() -> ServerConfig.parse(Map.of(), "--trace-sample-ratio", "2")).hasMessageContaining(
        "--trace-sample-ratio must be between 0 and 1");
    assertThatThrownBy(() -> ServerConfig.parse(Map.of(), "--otlp-endpoint", "collector:4318")).hasMessageContaining(
        "--otlp-endpoint must be an http:// or https:// URL");
  }

  @Test
  void clusterSettings() {
    ServerConfig config = ServerConfig.parse(Map.of("COUNTER_REPLICA_ACKS", "1"),
        "--redis-cluster", "redis://127.0.0.1:7000, redis://127.0.0.1:7001", "--replica-ack-timeout", "250ms");
    assertThat(config.clusterSeeds()).containsExactly("redis://127.0.0.1:7000", "redis://127.0.0.1:7001");
    assertThat(config.redisUri()).isEmpty();
    assertThat(config.replicaAcks()).isEqualTo(1);
    assertThat(config.replicaAckTimeout()).isEqualTo(Duration.ofMillis(250));
  }

  @Test
  void flagsOverrideDefaults() {
    ServerConfig config = ServerConfig.parse(Map.of(),
        "--port", "7000", "--host", "127.0.0.1", "--redis", "redis://10.0.0.1:6380", "--node-id", "7",
        "--key-prefix", "app1:", "--idempotency-window", "90s", "--max-pending", "5",
        "--flush-linger", "2ms", "--flush-max-ops", "10", "--redis-timeout", "500ms",
        "--shutdown-grace", "PT1M", "--data-dir", "/tmp/x", "--node-lease-ttl", "1h");

    assertThat(config.port()).isEqualTo(7000);
    assertThat(config.host()).contains("127.0.0.1");
    assertThat(config.redisUri()).contains("redis://10.0.0.1:6380");
    assertThat(config.nodeId()).hasValue(7);
    assertThat(config.keyPrefix()).isEqualTo("app1:");
    assertThat(config.idempotencyWindow()).isEqualTo(Duration.ofSeconds(90));
    assertThat(config.maxPending()).isEqualTo(5);
    assertThat(config.flushLinger()).isEqualTo(Duration.ofMillis(2));
    assertThat(config.flushMaxOps()).isEqualTo(10);
    assertThat(config.redisTimeout()).isEqualTo(Duration.ofMillis(500));
    assertThat(config.shutdownGrace()).isEqualTo(Duration.ofMinutes(1));
    assertThat(config.dataDir()).isEqualTo(Path.of("/tmp/x"));
    assertThat(config.nodeLeaseTtl()).isEqualTo(Duration.ofHours(1));
  }

  @Test
  void environmentOverridesDefaultsAndFlagsOverrideEnvironment() {
    Map<String, String> env = Map.of(
        "COUNTER_PORT", "7001", "COUNTER_REDIS", "redis://db:6379", "COUNTER_MAX_PENDING", "42",
        "COUNTER_IDEMPOTENCY_WINDOW", "1m");

    ServerConfig fromEnv = ServerConfig.parse(env);
    ServerConfig flagWins = ServerConfig.parse(env, "--port", "7002");

    assertThat(fromEnv.port()).isEqualTo(7001);
    assertThat(fromEnv.redisUri()).contains("redis://db:6379");
    assertThat(fromEnv.maxPending()).isEqualTo(42);
    assertThat(fromEnv.idempotencyWindow()).isEqualTo(Duration.ofMinutes(1));
    assertThat(flagWins.port()).isEqualTo(7002);
    assertThat(flagWins.maxPending()).isEqualTo(42);
  }

  @Test
  void environmentVariableNamesFollowTheFlags() {
    assertThat(EnvironmentDefaultProvider.variableFor("--redis-timeout")).isEqualTo("COUNTER_REDIS_TIMEOUT");
    assertThat(EnvironmentDefaultProvider.variableFor("--port")).isEqualTo("COUNTER_PORT");
  }

  @Test
  void rejectsInvalidValuesNamingTheFlag() {
    assertThatThrownBy(() -> ServerConfig.parse(Map.of(), "--port", "70000"))
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--port");
    assertThatThrownBy(() -> ServerConfig.parse(Map.of(), "--key-prefix", "a{b"))
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--key-prefix");
    assertThatThrownBy(() -> ServerConfig.parse(Map.of(), "--max-pending", "0"))
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--max-pending");
    assertThatThrownBy(() -> ServerConfig.parse(Map.of(), "--idempotency-window", "ten minutes"))
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("not a duration");
    assertThatThrownBy(() -> ServerConfig.parse(Map.of(), "--redis", "localhost:6379"))
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--redis");
    assertThatThrownBy(() -> ServerConfig.parse(Map.of(), "--node-id", "5000"))
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--node-id");
    assertThatThrownBy(() -> ServerConfig.parse(Map.of("COUNTER_PORT", "x")))
        .isInstanceOf(CommandLine.ParameterException.class);
    assertThatThrownBy(() -> ServerConfig.parse(Map.of(), "--redis", "redis://a:1", "--redis-cluster", "redis://b:2"))
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("not both");
    assertThatThrownBy(() -> ServerConfig.parse(Map.of(), "--replica-acks", "1", "--replica-ack-timeout", "3s"))
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--replica-ack-timeout");
    assertThatThrownBy(() -> ServerConfig.parse(Map.of(), "--redis-cluster", "10.0.0.1:7000"))
        .isInstanceOf(CommandLine.ParameterException.class).hasMessageContaining("--redis-cluster");
  }

  @Test
  void helpDocumentsEveryOptionWithItsDefault() {
    StringWriter help = new StringWriter();
    ServerConfig.commandLine(Map.of()).usage(new PrintWriter(help));

    for (String flag : new String[] {"--port", "--redis", "--node-id", "--key-prefix", "--idempotency-window",
        "--max-pending", "--flush-linger", "--shutdown-grace", "--data-dir", "--redis-timeout"}) {
      assertThat(help.toString()).contains(flag);
    }
    assertThat(help.toString()).contains("default: 9090").contains("default: 10m").contains("COUNTER_REDIS_TIMEOUT");
  }

  @Test
  void durations() {
    DurationFlag durations = new DurationFlag();
    assertThat(durations.convert("250ms")).isEqualTo(Duration.ofMillis(250));
    assertThat(durations.convert("2s")).isEqualTo(Duration.ofSeconds(2));
    assertThat(durations.convert("10m")).isEqualTo(Duration.ofMinutes(10));
    assertThat(durations.convert("1h")).isEqualTo(Duration.ofHours(1));
    assertThat(durations.convert("PT1.5S")).isEqualTo(Duration.ofMillis(1500));
    assertThatThrownBy(() -> durations.convert("-PT1S")).hasMessageContaining("not a duration");
    assertThatThrownBy(() -> durations.convert("5 minutes")).hasMessageContaining("not a duration");
  }
}
