package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.testing.ExternalCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kubernetes manifests in {@code deploy/k8s} against the Kubernetes API schemas, offline, with
 * {@code deploy/k8s/check} (Node.js: field names and types from the API models of
 * {@code @kubernetes/client-node}, required fields and formats from {@code kubernetes-models}).
 * Skipped without Node.js, unless {@code COUNTER_REQUIRE_POLYGLOT=1} (CI) makes that a failure.
 */
class KubernetesManifestsIT {
  private static final Path CHECK = Path.of("..", "deploy", "k8s", "check").toAbsolutePath().normalize();
  private static final Path K8S = CHECK.getParent();

  @BeforeAll
  static void installTheChecker() throws Exception {
    boolean haveNode = ExternalCommand.onPath("node") && ExternalCommand.onPath("npm");
    if ("1".equals(System.getenv("COUNTER_REQUIRE_POLYGLOT"))) {
      assertThat(haveNode).as("node and npm on PATH (COUNTER_REQUIRE_POLYGLOT=1)").isTrue();
    }
    Assumptions.assumeTrue(haveNode, "node and npm are not on PATH: skipping the Kubernetes schema check");
    ExternalCommand.Result install = ExternalCommand.run(CHECK, List.of("npm", "ci", "--no-audit", "--no-fund"),
        Map.of(), Duration.ofMinutes(5));
    assertThat(install.exitCode()).as("npm ci\n%s", install.output()).isZero();
  }

  @Test
  void theManifestsMatchTheKubernetesSchemas() throws Exception {
    ExternalCommand.Result result = check(K8S);

    assertThat(result.exitCode()).as(result.output()).isZero();
    assertThat(result.output()).contains("valid " + K8S.resolve("counter.yaml"))
        .contains("Deployment counter").contains("Service counter-metrics").contains("PodDisruptionBudget counter");
  }

  @Test
  void aMisspelledFieldOrAWrongTypeFails(@TempDir Path dir) throws Exception {
    String manifests = Files.readString(K8S.resolve("counter.yaml"));
    assertThat(manifests).contains("readinessProbe:").contains("replicas: 3");
    Files.writeString(dir.resolve("typo.yaml"), manifests.replace("readinessProbe:", "readinesProbe:"));
    Files.writeString(dir.resolve("type.yaml"), manifests.replace("replicas: 3", "replicas: three"));

    ExternalCommand.Result result = check(dir);

    assertThat(result.exitCode()).as(result.output()).isEqualTo(1);
    assertThat(result.output())
        .contains("INVALID " + dir.resolve("typo.yaml") + "#2 Deployment counter.spec.template.spec.containers[0]: "
            + "unknown field \"readinesProbe\"")
        .contains("INVALID " + dir.resolve("type.yaml") + "#2 Deployment counter.spec.replicas: must be an integer");
  }

  private static ExternalCommand.Result check(Path manifests) throws Exception {
    return ExternalCommand.run(CHECK, List.of("node", "check-manifests.mjs", manifests.toString()), Map.of(),
        Duration.ofMinutes(2));
  }
}
