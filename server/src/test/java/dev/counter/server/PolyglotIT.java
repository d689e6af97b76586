package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.testing.ExternalCommand;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Other languages and grpcurl-style tools against a real node: the Node.js test
 * ({@code @grpc/grpc-js}, loading the repo's .proto) and the buf checks ({@code buf lint},
 * {@code buf breaking} against the released contract, {@code buf curl} through reflection), both
 * in {@code client-stub/src/test/node}. Their npm packages are installed from the lock file with
 * {@code npm ci}. Without Node.js the class is skipped, unless {@code COUNTER_REQUIRE_POLYGLOT=1}
 * (set by {@code .ci/run}) makes that a failure.
 */
class PolyglotIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static final Path NODE_DIR = Path.of("..", "client-stub", "src", "test", "node").toAbsolutePath().normalize();
  private static TestServer server;

  @BeforeAll
  static void setUp() throws Exception {
    boolean required = "1".equals(System.getenv("COUNTER_REQUIRE_POLYGLOT"));
    boolean haveNode = ExternalCommand.onPath("node") && ExternalCommand.onPath("npm");
    if (required) {
      assertThat(haveNode).as("node and npm on PATH (COUNTER_REQUIRE_POLYGLOT=1)").isTrue();
    }
    Assumptions.assumeTrue(haveNode, "node and npm are not on PATH: skipping the Node.js and buf checks");
    ExternalCommand.Result install = run(List.of("npm", "ci", "--no-audit", "--no-fund"), Map.of(), 300);
    assertThat(install.exitCode()).as("npm ci\n%s", install.output()).isZero();
    server = TestServer.start(redis.uri());
  }

  @AfterAll
  static void tearDown() {
    if (server != null) {
      server.stop();
    }
  }

  @Test
  void nodeGrpcJsClientPassesTheContractTest() throws Exception {
    ExternalCommand.Result result = run(List.of("npm", "test"), Map.of("COUNTER_TARGET", server.target()), 120);
    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("# fail 0").containsPattern("# pass [1-9]");
  }

  @Test
  void bufLintBreakingAndCurlThroughReflectionPass() throws Exception {
    ExternalCommand.Result result =
        run(List.of("bash", "buf-checks.sh"), Map.of("COUNTER_TARGET", server.target()), 120);
    assertThat(result.exitCode()).as(result.output()).isZero();
  }

  private static ExternalCommand.Result run(List<String> command, Map<String, String> env, long timeoutSeconds)
      throws IOException, InterruptedException {
    ExternalCommand.Result result = ExternalCommand.run(NODE_DIR, command, env, Duration.ofSeconds(timeoutSeconds));
    System.out.println(String.join(" ", command) + "\n" + result.output());
    return result;
  }
}
