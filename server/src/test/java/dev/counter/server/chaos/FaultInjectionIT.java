package dev.counter.server.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.client.CounterClient;
import dev.counter.server.testing.Await;
import dev.counter.server.testing.IncrementLoad;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.ServerProcess;
import dev.counter.server.testing.TestNames;
import dev.counter.v1.Durability;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Breaks things on purpose, with real processes (server nodes run from the packaged jar; Redis
 * with append-only fsync always), under load from {@link CounterClient}s, and ends every scenario
 * with an exact account of acknowledged against stored increments.
 */
class FaultInjectionIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.appendOnly();

  private static Path logs;

  @BeforeAll
  static void logDir() throws Exception {
    logs = Files.createTempDirectory("fault-injection-");
  }

  @Test
  void killingANodeUnderDurableLoadLosesNothingAcknowledged() throws Exception {
    ServerProcess a = ServerProcess.start(logs, "--redis", redis.uri());
    ServerProcess b = ServerProcess.start(logs, "--redis", redis.uri());
    String targets = a.target() + "," + b.target();
    try (IncrementLoad withIds = IncrementLoad.start(targets, TestNames.unique("kill-ids") + "-", 40, 4, true,
            Durability.DURABILITY_DURABLE);
        IncrementLoad withoutIds = IncrementLoad.start(targets, TestNames.unique("kill-raw") + "-", 40, 2, false,
            Durability.DURABILITY_DURABLE)) {
      pace(Duration.ofSeconds(2));
      long beforeKill = withIds.totalAcknowledged() + withoutIds.totalAcknowledged();
      a.kill();
      Await.until("the surviving node to take over", Duration.ofSeconds(30),
          () -> withIds.totalAcknowledged() + withoutIds.totalAcknowledged() > beforeKill + 100);
      pace(Duration.ofSeconds(2));
      assertThat(a.isAlive()).isFalse();
      withIds.stopAndWait();
      withoutIds.stopAndWait();
      try (CounterClient reader = CounterClient.forTarget(b.target())) {
        Account exact = account(reader, withIds);
        Account atLeast = account(reader, withoutIds);
        report("kill -9 a node (request ids, retries)", withIds, exact);
        report("kill -9 a node (no request ids)", withoutIds, atLeast);
        exact.assertExact();
        atLeast.assertNothingAcknowledgedMissing();
      }
    } finally {
      a.close();
      b.close();
    }
  }

  @Test
  void aGracefulRestartUnderBufferedLoadLosesNothing() throws Exception {
    ServerProcess a = ServerProcess.start(logs, "--redis", redis.uri());
    ServerProcess b = ServerProcess.start(logs, "--redis", redis.uri());
    List<ServerProcess> started = new ArrayList<>(List.of(a, b));
    try (IncrementLoad load = IncrementLoad.start(a.target() + "," + b.target(), TestNames.unique("drain") + "-", 30,
        4, true, Durability.DURABILITY_BUFFERED)) {
      pace(Duration.ofSeconds(2));
      Duration drained = a.terminate(Duration.ofSeconds(40));
      assertThat(a.logText()).contains("every accepted increment is written");
      pace(Duration.ofSeconds(2));
      load.stopAndWait();
      try (CounterClient reader = CounterClient.forTarget(b.target())) {
        Account account = awaitAccount(reader, load);
        report("SIGTERM a node under buffered load (drained in " + drained.toMillis() + " ms)", load, account);
        account.assertExact();
      }
    } finally {
      started.forEach(ServerProcess::close);
    }
  }

  @Test
  void aGracefulRestartWhileRedisIsFrozenWritesWhatWasStillQueued() throws Exception {
    // Redis frozen for a moment: node a's write is stuck in flight and the buffered increments
    // that arrive meanwhile queue behind it, unsent, when a gets SIGTERM. The node must wait for
    // the stuck write, then send the queue, before it exits.
    ServerProcess a = ServerProcess.start(logs, "--redis", redis.uri());
    ServerProcess b = ServerProcess.start(logs, "--redis", redis.uri());
    List<ServerProcess> started = new ArrayList<>(List.of(a, b));
    try (IncrementLoad load = IncrementLoad.start(a.target() + "," + b.target(), TestNames.unique("slow-drain") + "-",
        30, 4, true, Durability.DURABILITY_BUFFERED)) {
      pace(Duration.ofSeconds(2));
      CompletableFuture<Duration> drained;
      double pendingAtSigterm;
      redis.process().pause();
      try {
        Await.until("buffered increments queued on node a behind its stuck write", Duration.ofSeconds(10),
            () -> pendingOn(a) >= 100);
        pendingAtSigterm = pendingOn(a);
        drained = CompletableFuture.supplyAsync(() -> a.terminate(Duration.ofSeconds(40)));
        Await.until("node a draining", Duration.ofSeconds(10), () -> a.logText().contains("draining"));
        pace(Duration.ofMillis(300));
      } finally {
        redis.process().resume();
      }
      Duration drainTime = drained.get(60, TimeUnit.SECONDS);
      assertThat(a.logText()).contains("every accepted increment is written");
      pace(Duration.ofSeconds(1));
      load.stopAndWait();
      try (CounterClient reader = CounterClient.forTarget(b.target())) {
        Account account = awaitAccount(reader, load);
        report("SIGTERM a node while Redis is frozen (" + (long) pendingAtSigterm + " pending on it, drained in "
            + drainTime.toMillis() + " ms)", load, account);
        account.assertExact();
      }
    } finally {
      started.forEach(ServerProcess::close);
    }
  }

  private static double pendingOn(ServerProcess node) {
    try {
      return sample(scrape(node.metricsPort()), "counter_pending_increments");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void redisKilledAndRestartedUnderDurableLoadLosesNothingAcknowledged() throws Exception {
    // Redis timeout well inside the client's deadline, so a slow fsync ends in a retry, not a deadline.
    ServerProcess node = ServerProcess.start(logs, "--redis", redis.uri(), "--redis-timeout", "1s");
    ManagedChannel health = ManagedChannelBuilder.forTarget(node.target()).usePlaintext().build();
    try (IncrementLoad load = IncrementLoad.start(node.target(), TestNames.unique("redis-kill") + "-", 30, 4, true,
        Durability.DURABILITY_DURABLE)) {
      pace(Duration.ofSeconds(2));
      redis.kill();
      awaitHealth(health, ServingStatus.NOT_SERVING, Duration.ofSeconds(10));
      long acknowledgedBefore = load.totalAcknowledged();
      pace(Duration.ofSeconds(2));
      long acknowledgedWhileDown = load.totalAcknowledged() - acknowledgedBefore;
      redis.start();
      awaitHealth(health, ServingStatus.SERVING, Duration.ofSeconds(20));
      pace(Duration.ofSeconds(2));
      load.stopAndWait();
      try (CounterClient reader = CounterClient.forTarget(node.target())) {
        Account account = account(reader, load);
        report("Redis SIGKILL + restart (AOF fsync always)", load, account);
        account.assertExact();
      }
      assertThat(load.failuresByStatus()).as("calls failed fast with UNAVAILABLE").containsKey("UNAVAILABLE");
      assertThat(load.failuresByStatus()).as("not by their deadline").doesNotContainKey("DEADLINE_EXCEEDED");
      // Nothing durable can be acknowledged without Redis: at most the 4 writers' answers in transit.
      assertThat(acknowledgedWhileDown).as("acknowledged while Redis was down").isLessThanOrEqualTo(4);
    } finally {
      health.shutdownNow();
      node.close();
    }
  }

  @Test
  void aFrozenRedisKeepsThePendingBufferAndMemoryBoundedAndRecovers() throws Exception {
    ServerProcess node = ServerProcess.start(logs, "--redis", redis.uri(), "--max-pending", "2000",
        "--redis-timeout", "1s");
    try (IncrementLoad durable = IncrementLoad.start(node.target(), TestNames.unique("freeze-d") + "-", 20, 3, true,
            Durability.DURABILITY_DURABLE);
        // Buffered without request ids: only the write tokens keep resends from applying twice.
        IncrementLoad buffered = IncrementLoad.start(node.target(), TestNames.unique("freeze-b") + "-", 20, 3, false,
            Durability.DURABILITY_BUFFERED)) {
      pace(Duration.ofSeconds(2));
      double maxPending = 0;
      double maxHeap = 0;
      redis.process().pause();
      try {
        long frozenUntil = System.nanoTime() + Duration.ofSeconds(4).toNanos();
        while (System.nanoTime() < frozenUntil) {
          String metrics = scrape(node.metricsPort());
          maxPending = Math.max(maxPending, sample(metrics, "counter_pending_increments"));
          maxHeap = Math.max(maxHeap, sample(metrics, "jvm_memory_used_bytes{area=\"heap\"}"));
          pace(Duration.ofMillis(200));
        }
      } finally {
        redis.process().resume();
      }
      pace(Duration.ofSeconds(3));
      durable.stopAndWait();
      buffered.stopAndWait();
      try (CounterClient reader = CounterClient.forTarget(node.target())) {
        Account durableAccount = account(reader, durable);
        Account bufferedAccount = awaitAccount(reader, buffered);
        report("Redis SIGSTOP 4 s (durable, max pending " + (long) maxPending + ", heap " + (long) (maxHeap / 1e6)
            + " MB)", durable, durableAccount);
        report("Redis SIGSTOP 4 s (buffered)", buffered, bufferedAccount);
        durableAccount.assertExact();
        bufferedAccount.assertNothingAcknowledgedMissing();
        assertThat(bufferedAccount.unknown()).as("buffered calls are answered at acceptance").isZero();
      }
      assertThat(maxPending).as("pending stays within --max-pending").isBetween(1.0, 2000.0);
      // The node runs with the shipped 256 MiB heap and exits on OutOfMemoryError.
      assertThat(node.isAlive()).as("the node lived through the freeze within its 256 MiB heap").isTrue();
      assertThat(node.logText()).doesNotContain("OutOfMemoryError");
      assertThat(maxHeap).as("heap scraped during the freeze").isGreaterThan(0);
      assertThat(buffered.failuresByStatus()).as("backpressure beyond the bound").containsKey("RESOURCE_EXHAUSTED");
      assertThat(durable.failuresByStatus().keySet()).as("calls ended by their deadline or fast")
          .isSubsetOf("DEADLINE_EXCEEDED", "UNAVAILABLE", "RESOURCE_EXHAUSTED");
    } finally {
      node.close();
    }
  }

  /** Acknowledged against stored, per counter, for one load. */
  record Account(long acknowledged, long stored, long unknown, List<String> mismatches) {
    void assertExact() {
      assertThat(mismatches).as("counters whose stored value differs from the acknowledged increments").isEmpty();
      assertThat(stored).isEqualTo(acknowledged);
    }

    void assertNothingAcknowledgedMissing() {
      assertThat(mismatches).as("counters outside [acknowledged, acknowledged + unknown]").isEmpty();
    }
  }

  private static Account account(CounterClient reader, IncrementLoad load) {
    List<String> names = new ArrayList<>();
    for (int c = 0; c < load.counters(); c++) {
      names.add(load.name(c));
    }
    List<Long> values = reader.batchGet(names);
    long acknowledged = 0;
    long stored = 0;
    List<String> mismatches = new ArrayList<>();
    for (int c = 0; c < load.counters(); c++) {
      acknowledged += load.acknowledged(c);
      stored += values.get(c);
      if (values.get(c) < load.acknowledged(c) || values.get(c) > load.acknowledged(c) + load.unknown(c)) {
        mismatches.add(names.get(c) + ": stored " + values.get(c) + ", acknowledged " + load.acknowledged(c)
            + ", unknown " + load.unknown(c));
      }
    }
    return new Account(acknowledged, stored, load.totalUnknown(), mismatches);
  }

  /** Buffered increments become visible at their flush: reads again (bounded) until they settle. */
  private static Account awaitAccount(CounterClient reader, IncrementLoad load) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    Account account = account(reader, load);
    while (!account.mismatches().isEmpty() && System.nanoTime() < deadline) {
      pace(Duration.ofMillis(100));
      account = account(reader, load);
    }
    return account;
  }

  private static void report(String scenario, IncrementLoad load, Account account) {
    System.out.printf("fault-injection | %s | acknowledged %d | stored %d | lost %d | unknown %d | failed attempts %d %s%n",
        scenario, account.acknowledged(), account.stored(), Math.max(0, account.acknowledged() - account.stored()),
        account.unknown(), load.failedAttempts(), load.failuresByStatus());
  }

  private static void awaitHealth(ManagedChannel channel, ServingStatus status, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        if (HealthGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
            .check(HealthCheckRequest.getDefaultInstance()).getStatus() == status) {
          return;
        }
      } catch (RuntimeException e) {
        // retried below
      }
      assertThat(System.nanoTime()).as("health %s within %s", status, timeout).isLessThan(deadline);
      pace(Duration.ofMillis(50));
    }
  }

  private static String scrape(int port) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).body();
  }

  private static double sample(String metrics, String name) {
    Matcher matcher = Pattern.compile("^" + Pattern.quote(name) + " ([-0-9.eE+]+)$", Pattern.MULTILINE).matcher(metrics);
    return matcher.find() ? Double.parseDouble(matcher.group(1)) : Double.NaN;
  }

  /** Lets the load run for a while: timing of the scenario, not a wait for a result. */
  private static void pace(Duration duration) {
    LockSupport.parkNanos(duration.toNanos());
  }
}
