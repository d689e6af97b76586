package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.counter.server.testing.TestServer;
import dev.counter.v1.Durability;
import dev.counter.v1.GetRequest;
import dev.counter.v1.IncrementRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The development default: no Redis configured, a private append-only redis-server under --data-dir. */
class DevModeIT {
  @TempDir Path dataDir;

  @Test
  void countsSurviveARestartOfTheWholeThing() throws Exception {
    try (TestServer first = TestServer.start(null, "--data-dir", dataDir.toString())) {
      assertThat(first.stub().increment(IncrementRequest.newBuilder().setName("visits").setDelta(41).build())
          .getValue()).isEqualTo(41);
      first.stub().increment(IncrementRequest.newBuilder().setName("visits").setDelta(1)
          .setDurability(Durability.DURABILITY_BUFFERED).build());
      assertThat(Files.exists(dataDir.resolve("redis.pid"))).isTrue();
    }
    assertThat(Files.exists(dataDir.resolve("redis.pid"))).as("the private redis-server was stopped").isFalse();
    assertThat(Files.list(dataDir).map(p -> p.getFileName().toString()))
        .anyMatch(file -> file.startsWith("appendonly"));

    try (TestServer second = TestServer.start(null, "--data-dir", dataDir.toString())) {
      assertThat(second.stub().get(GetRequest.newBuilder().setName("visits").build()).getValue()).isEqualTo(42);
    }
  }

  @Test
  void aSecondNodeCannotShareTheDataDirectory() throws Exception {
    try (TestServer first = TestServer.start(null, "--data-dir", dataDir.toString())) {
      assertThatThrownBy(() -> TestServer.start(null, "--data-dir", dataDir.toString()))
          .hasStackTraceContaining("another counter-server is using");
      assertThat(first.stub().get(GetRequest.newBuilder().setName("x").build()).getValue()).isZero();
    }
  }
}
