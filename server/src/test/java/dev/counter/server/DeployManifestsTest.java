package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * Checks the deployment files under {@code deploy/} without Docker or a cluster: every YAML file
 * parses, and the Kubernetes manifests and the compose file keep the properties a graceful,
 * health-checked deployment depends on. Runs from the server module directory (surefire's
 * default), so the deploy folder is {@code ../deploy}.
 */
class DeployManifestsTest {
  private static final Path DEPLOY = Path.of("..", "deploy");
  private static final Path COMPOSE = DEPLOY.resolve("docker").resolve("docker-compose.yml");
  private static final Path K8S = DEPLOY.resolve("k8s");

  @Test
  void expectedFilesExist() {
    assertThat(DEPLOY).isDirectory();
    for (String file : List.of(
        "README.md",
        "bin/counter-server",
        "local/up.sh",
        "local/down.sh",
        "docker/Dockerfile",
        "docker/Dockerfile.dockerignore",
        "docker/docker-compose.yml",
        "k8s/counter.yaml")) {
      assertThat(DEPLOY.resolve(file)).as("deploy/" + file).isRegularFile();
    }
    assertThat(DEPLOY.resolve("bin/counter-server")).isExecutable();
    assertThat(DEPLOY.resolve("local/up.sh")).isExecutable();
    assertThat(DEPLOY.resolve("local/down.sh")).isExecutable();
  }

  @Test
  void startScriptShipsFixedG1HeapAndIsTheImageEntrypoint() throws Exception {
    Process process = new ProcessBuilder("bash", DEPLOY.resolve("bin/counter-server").toString(), "--print-jvm-options")
        .redirectErrorStream(true)
        .start();
    String options = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(process.waitFor()).as("exit code; output: %s", options).isZero();
    // The settings the RSS bar was measured with: a fixed heap well under 512 MiB, G1.
    assertThat(options.split("\\s+")).contains("-XX:+UseG1GC", "-Xms256m", "-Xmx256m", "-XX:+ExitOnOutOfMemoryError");

    String dockerfile = Files.readString(DEPLOY.resolve("docker/Dockerfile"));
    assertThat(dockerfile)
        .contains("COPY --chown=root:root --chmod=0555 deploy/bin/counter-server /app/counter-server")
        .contains("ENTRYPOINT [\"/app/counter-server\"]");
  }

  @Test
  void everyYamlFileParses() throws IOException {
    List<Path> files = yamlFiles(DEPLOY);
    assertThat(files).contains(COMPOSE.normalize(), K8S.resolve("counter.yaml").normalize());
    for (Path file : files) {
      List<Object> documents = load(file);
      assertThat(documents).as("documents in %s", file).isNotEmpty();
      for (Object document : documents) {
        assertThat(document).as("a document of %s", file).isNotNull();
      }
    }
  }

  @Test
  void kubernetesManifestsHaveTheExpectedKinds() throws IOException {
    List<Map<?, ?>> documents = kubernetesDocuments();
    Set<Object> kinds = documents.stream().map(d -> d.get("kind")).collect(Collectors.toSet());
    assertThat(kinds).contains("Deployment", "Service", "PodDisruptionBudget", "ConfigMap");

    for (Map<?, ?> document : documents) {
      assertThat(document.get("apiVersion")).as("apiVersion of a %s", document.get("kind")).isNotNull();
      assertThat(map(document, "metadata").get("name")).as("name of a %s", document.get("kind")).isNotNull();
    }
    assertThat(only(documents, "Deployment").get("apiVersion")).isEqualTo("apps/v1");
    assertThat(only(documents, "PodDisruptionBudget").get("apiVersion")).isEqualTo("policy/v1");
    assertThat(map(only(documents, "PodDisruptionBudget"), "spec").get("maxUnavailable")).isEqualTo(1);

    List<Map<?, ?>> headless = ofKind(documents, "Service").stream()
        .filter(service -> "None".equals(map(service, "spec").get("clusterIP")))
        .toList();
    assertThat(headless).as("a headless Service (clusterIP: None)").isNotEmpty();
    assertThat(headless.stream().map(service -> String.valueOf(map(service, "metadata").get("name"))))
        .as("the headless Service is the one clients resolve as dns:///counter...")
        .contains("counter");
  }

  @Test
  void deploymentProbesAndDrainsGracefully() throws IOException {
    Map<?, ?> deployment = only(kubernetesDocuments(), "Deployment");
    assertThat(map(deployment, "spec").get("replicas")).isEqualTo(3);
    Map<?, ?> podSpec = map(map(map(deployment, "spec"), "template"), "spec");

    Object grace = podSpec.get("terminationGracePeriodSeconds");
    assertThat(grace).as("terminationGracePeriodSeconds").isInstanceOf(Number.class);
    // --shutdown-grace (30s) plus the preStop sleep (5s) must fit before the SIGKILL.
    assertThat(((Number) grace).intValue()).isGreaterThan(35);

    List<?> containers = list(podSpec, "containers");
    assertThat(containers).hasSize(1);
    Map<?, ?> container = asMap(containers.get(0), "container");

    assertThat(list(container, "ports").stream().map(port -> asMap(port, "port")))
        .anySatisfy(port -> {
          assertThat(port.get("name")).isEqualTo("grpc");
          assertThat(port.get("containerPort")).isEqualTo(9090);
        });

    Map<?, ?> readiness = map(map(container, "readinessProbe"), "grpc");
    assertThat(readiness.get("port")).isEqualTo(9090);
    assertThat(readiness.get("service")).isEqualTo("counter.v1.CounterService");

    Map<?, ?> livenessProbe = map(container, "livenessProbe");
    assertThat(map(livenessProbe, "grpc").get("port")).isEqualTo(9090);
    // Liveness checks the process, not Redis: the "liveness" health service stays SERVING while
    // Redis is down, so a Redis outage does not restart every pod.
    assertThat(map(livenessProbe, "grpc").get("service")).isEqualTo("liveness");

    Map<?, ?> preStop = map(map(container, "lifecycle"), "preStop");
    assertThat(list(map(preStop, "exec"), "command")).isNotEmpty();

    // A password may only come from a Secret.
    for (Object entry : list(container, "env")) {
      Map<?, ?> variable = asMap(entry, "env entry");
      String name = String.valueOf(variable.get("name"));
      if (name.toUpperCase(Locale.ROOT).contains("PASSWORD")) {
        assertThat(variable.get("value")).as("literal value of %s", name).isNull();
        assertThat(map(map(variable, "valueFrom"), "secretKeyRef")).as("secretKeyRef of %s", name).isNotEmpty();
      }
    }
  }

  @Test
  void composeHasRedisAndTwoServers() throws IOException {
    assertThat(COMPOSE).isRegularFile();
    List<Object> documents = load(COMPOSE);
    assertThat(documents).hasSize(1);
    Map<?, ?> services = map(asMap(documents.get(0), "docker-compose.yml"), "services");

    assertThat(services.keySet().stream().map(String::valueOf)).contains("redis");
    assertThat(String.valueOf(map(services, "redis").get("image"))).startsWith("redis:7");

    List<Object> servers = new ArrayList<>();
    for (Map.Entry<?, ?> service : services.entrySet()) {
      Map<?, ?> definition = asMap(service.getValue(), "service " + service.getKey());
      if (environment(definition).stream().anyMatch(v -> v.startsWith("COUNTER_REDIS"))) {
        servers.add(service.getKey());
        assertThat(definition.get("stop_grace_period")).as("stop_grace_period of %s", service.getKey()).isNotNull();
        assertThat(definition.get("depends_on")).as("depends_on of %s", service.getKey()).isNotNull();
      }
    }
    assertThat(servers).as("server services (with COUNTER_REDIS...)").hasSizeGreaterThanOrEqualTo(2);
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /**
   * *.yml and *.yaml files under {@code root}, skipping the local scripts' run directory and npm's
   * node_modules (the Kubernetes schema check installs its packages under deploy/k8s/check).
   */
  private static List<Path> yamlFiles(Path root) throws IOException {
    List<Path> files = new ArrayList<>();
    Path runDir = root.resolve("local").resolve("run").normalize();
    Files.walkFileTree(root, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        boolean skipped = dir.normalize().equals(runDir) || dir.getFileName().toString().equals("node_modules");
        return skipped ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
        String name = file.getFileName().toString();
        if (attrs.isRegularFile() && (name.endsWith(".yml") || name.endsWith(".yaml"))) {
          files.add(file.normalize());
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException e) throws IOException {
        // A file removed while walking (say, by a benchmark writing its results) is no manifest.
        if (e instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        throw e;
      }
    });
    files.sort(null);
    return files;
  }

  private static List<Object> load(Path file) throws IOException {
    List<Object> documents = new ArrayList<>();
    try (Reader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      for (Object document : new Yaml().loadAll(reader)) {
        documents.add(document);
      }
    } catch (RuntimeException e) {
      throw new AssertionError(file + " does not parse: " + e.getMessage(), e);
    }
    return documents;
  }

  private static List<Map<?, ?>> kubernetesDocuments() throws IOException {
    assertThat(K8S).isDirectory();
    List<Map<?, ?>> documents = new ArrayList<>();
    for (Path file : yamlFiles(K8S)) {
      for (Object document : load(file)) {
        if (document != null) {
          Map<?, ?> manifest = asMap(document, "a document of " + file);
          assertThat(manifest.get("kind")).as("kind of a document of %s", file).isNotNull();
          documents.add(manifest);
        }
      }
    }
    return documents;
  }

  private static List<Map<?, ?>> ofKind(List<Map<?, ?>> documents, String kind) {
    return documents.stream().filter(d -> kind.equals(d.get("kind"))).toList();
  }

  private static Map<?, ?> only(List<Map<?, ?>> documents, String kind) {
    List<Map<?, ?>> matching = ofKind(documents, kind);
    assertThat(matching).as("%s documents", kind).hasSize(1);
    return matching.get(0);
  }

  /** A compose service's environment as KEY=VALUE strings (it may be a map or a list). */
  private static List<String> environment(Map<?, ?> service) {
    Object environment = service.get("environment");
    List<String> variables = new ArrayList<>();
    if (environment instanceof Map<?, ?> map) {
      map.forEach((key, value) -> variables.add(key + "=" + value));
    } else if (environment instanceof List<?> entries) {
      entries.forEach(entry -> variables.add(String.valueOf(entry)));
    }
    return variables;
  }

  private static Map<?, ?> map(Map<?, ?> parent, String key) {
    return asMap(parent.get(key), key);
  }

  private static List<?> list(Map<?, ?> parent, String key) {
    Object value = parent.get(key);
    assertThat(value).as(key).isInstanceOf(List.class);
    return (List<?>) value;
  }

  private static Map<?, ?> asMap(Object value, String what) {
    assertThat(value).as(what).isInstanceOf(Map.class);
    return (Map<?, ?>) value;
  }
}
