package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.devredis.RedisProcess;
import dev.counter.server.testing.Await;
import dev.counter.server.testing.ExternalCommand;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.ServerProcess;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.GetRequest;
import dev.counter.v1.IncrementRequest;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The private development redis-server never outlives the node that started it: not after a failed
 * start, not after SIGKILL; and one left behind anyway (its guardian killed too) is recognised and
 * stopped by the next node on the same data directory, also on Debian, where
 * {@code /usr/bin/redis-server} is a symlink to {@code redis-check-rdb}.
 */
class DevRedisLifecycleIT {
  private static final Pattern DEV_REDIS_PID = Pattern.compile("started a private redis-server \\(pid (\\d+)");

  @TempDir Path dataDir;
  @TempDir Path logDir;

  /** Every redis-server pid a test saw, stopped after it if it is still alive (it is ours). */
  private final List<Long> seenRedisPids = new ArrayList<>();

  @AfterEach
  void stopWhatTheNodeLeftBehind() {
    for (long pid : seenRedisPids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
  }

  @Test
  void aFailedStartStopsTheDevRedis() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      ExternalCommand.Result result = ExternalCommand.run(Path.of("."), List.of(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar",
              Path.of("target", "counter-server.jar").toAbsolutePath().toString(),
              "--data-dir", dataDir.toString(), "--host", "127.0.0.1",
              "--port", Integer.toString(taken.getLocalPort()), "--metrics-port", "0"),
          Map.of(), Duration.ofSeconds(60));

      assertThat(result.exitCode()).as(result.output()).isNotIn(0, -1);
      long redisPid = devRedisPid(result.output()).orElseThrow(() -> new AssertionError("no dev Redis in " + result.output()));
      assertThat(ProcessHandle.of(redisPid).map(ProcessHandle::isAlive).orElse(false))
          .as("the dev redis-server (pid %d) is stopped when the node exits", redisPid).isFalse();
    }
  }

  @Test
  void aKilledNodeTakesItsDevRedisWithIt() throws Exception {
    ServerProcess node = ServerProcess.start(logDir, "--data-dir", dataDir.toString());
    try {
      long redisPid = devRedisPid(node.logText()).orElseThrow();
      assertThat(ProcessHandle.of(redisPid).map(ProcessHandle::isAlive)).contains(true);

      node.kill();

      Await.until("the dev redis-server (pid " + redisPid + ") to exit after SIGKILL of its node", Duration.ofSeconds(15),
          () -> ProcessHandle.of(redisPid).map(handle -> !handle.isAlive()).orElse(true));
    } finally {
      node.close();
    }
  }

  @Test
  void aLeftoverRedisIsStoppedAlsoWhereRedisServerIsASymlinkToRedisCheckRdb(@TempDir Path debianBin) throws Exception {
    // Debian's layout: one binary, named redis-check-rdb, that runs as a server when called
    // through the redis-server symlink; /proc/<pid>/exe then names redis-check-rdb.
    Path checkRdb = debianBin.resolve("redis-check-rdb");
    Files.copy(RedisServerExtension.binary().toRealPath(), checkRdb);
    assertThat(checkRdb.toFile().setExecutable(true)).isTrue();
    Path redisServer = Files.createSymbolicLink(debianBin.resolve("redis-server"), checkRdb.getFileName());
    // What a node whose whole process group was SIGKILLed leaves: a redis-server on the data
    // directory's files, named by the redis.pid it wrote there.
    RedisProcess leftover = RedisProcess.start(redisServer, RedisProcess.freePort(), dataDir,
        List.of("--appendonly", "yes", "--save", ""));
    seenRedisPids.add(leftover.pid());
    try {
      assertThat(Files.readString(dataDir.resolve("redis.pid")).trim()).isEqualTo(Long.toString(leftover.pid()));
      try (TestServer node = TestServer.start(null, "--data-dir", dataDir.toString())) {
        assertThat(leftover.isAlive()).as("the leftover redis-server was stopped before a new one started").isFalse();
        assertThat(node.stub().increment(IncrementRequest.newBuilder().setName("n").setDelta(3).build()).getValue())
            .isEqualTo(3);
        assertThat(node.stub().get(GetRequest.newBuilder().setName("n").build()).getValue()).isEqualTo(3);
      }
    } finally {
      leftover.kill();
    }
  }

  private OptionalLong devRedisPid(String log) {
    Matcher matcher = DEV_REDIS_PID.matcher(log);
    if (!matcher.find()) {
      return OptionalLong.empty();
    }
    long pid = Long.parseLong(matcher.group(1));
    seenRedisPids.add(pid);
    return OptionalLong.of(pid);
  }
}
