package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.devredis.RedisProcess;
import dev.counter.server.testing.Await;
import dev.counter.server.testing.ExternalCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/local/up.sh} and {@code down.sh} as a user runs them: a 3-master Redis Cluster
 * and 3 server nodes on loopback, {@code counter bench --verify} across the three nodes, then
 * {@code down.sh} leaves none of the recorded processes running.
 */
class DeployLocalScriptsIT {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();

  @TempDir Path runDir;

  @Test
  void upBenchVerifyAcrossThreeNodesThenDownStopsEverything() throws Exception {
    // Below Linux's ephemeral range (32768+), bus ports (+10,000) included, so no client socket holds them.
    int redisBase = freeBase(20_000, 22_000, 6, 10_000);
    int serverBase = freeBase(23_000, 27_000, 3, 0);
    int metricsBase = freeBase(27_000, 31_000, 3, 0);
    Map<String, String> env = Map.of("RUN_DIR", runDir.toString(), "REDIS_BASE_PORT", Integer.toString(redisBase),
        "SERVER_BASE_PORT", Integer.toString(serverBase), "METRICS_BASE_PORT", Integer.toString(metricsBase));
    boolean started = false;
    try {
      ExternalCommand.Result up = run(env, Duration.ofSeconds(120), "bash", "deploy/local/up.sh", "3");
      assertThat(up.exitCode()).as("up.sh output:\n%s", up.output()).isZero();
      started = true;
      String targets = "127.0.0.1:" + serverBase + ",127.0.0.1:" + (serverBase + 1) + ",127.0.0.1:" + (serverBase + 2);
      assertThat(up.output()).contains("server targets: " + targets);

      ExternalCommand.Result bench = run(env, Duration.ofSeconds(120), java(), "-jar",
          runDir.resolve("counter-cli.jar").toString(),
          "--target", targets, "bench", "--quiet", "--duration", "3s", "--warmup", "1s", "--concurrency", "32",
          "--keys", "100", "--distribution", "uniform", "--verify");
      assertThat(bench.exitCode()).as("bench output:\n%s", bench.output()).isZero();
      assertThat(bench.output()).contains("verify       OK").contains("errors       none");
    } finally {
      List<Long> pids = recordedPids();
      ExternalCommand.Result down = run(env, Duration.ofSeconds(120), "bash", "deploy/local/down.sh");
      assertThat(down.exitCode()).as("down.sh output:\n%s", down.output()).isZero();
      if (started) {
        assertThat(pids).as("3 nodes and 6 Redis processes recorded").hasSize(9);
      }
      // An exited process stays visible until its parent (init, for these) reaps it: allow that.
      Await.until("every recorded process gone after down.sh " + pids, Duration.ofSeconds(30),
          () -> pids.stream().noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)));
    }
  }

  private List<Long> recordedPids() throws IOException {
    Path pidsFile = runDir.resolve("pids");
    List<Long> pids = new ArrayList<>();
    if (Files.exists(pidsFile)) {
      for (String line : Files.readAllLines(pidsFile)) {
        if (!line.isBlank()) {
          pids.add(Long.parseLong(line.trim()));
        }
      }
    }
    return pids;
  }

  /** A base port in [from, to) such that {@code count} consecutive ports (and the same at +offset) are free. */
  private static int freeBase(int from, int to, int count, int offset) {
    for (int attempt = 0; attempt < 200; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(from, to);
      boolean free = true;
      for (int i = 0; i < count && free; i++) {
        free = RedisProcess.isFree(base + i) && (offset == 0 || RedisProcess.isFree(base + offset + i));
      }
      if (free) {
        return base;
      }
    }
    throw new IllegalStateException("no free port range found");
  }

  private static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /** Runs a command from the repository root with the test's JDK first on PATH. */
  private static ExternalCommand.Result run(Map<String, String> env, Duration timeout, String... command)
      throws Exception {
    Map<String, String> withJdk = new HashMap<>(env);
    withJdk.put("PATH", Path.of(System.getProperty("java.home"), "bin") + ":"
        + System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
    return ExternalCommand.run(ROOT, List.of(command), withJdk, timeout);
  }
}
