package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.counter.server.batching.IncrementBatcher;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.Durability;
import dev.counter.v1.GetRequest;
import dev.counter.v1.IncrementRequest;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Redis going away and coming back: calls fail with UNAVAILABLE (never hang), health follows
 * Redis, the node recovers by itself, and nothing acknowledged is lost (append-only Redis).
 */
class RedisOutageIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.appendOnly();

  @Test
  void callsFailFastWhileRedisIsDownAndTheNodeRecoversByItself() throws Exception {
    try (TestServer server = TestServer.start(redis.uri(), "--health-interval", "200ms")) {
      String name = TestNames.unique("outage");
      long before = server.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(5).build()).getValue();
      String bufferedName = TestNames.unique("outage-buffered");

      redis.kill();
      server.awaitStatus(ServingStatus.NOT_SERVING, Duration.ofSeconds(10));
      assertThat(io.grpc.health.v1.HealthGrpc.newBlockingStub(server.channel())
          .check(io.grpc.health.v1.HealthCheckRequest.newBuilder().setService("liveness").build()).getStatus())
          .as("liveness does not follow Redis").isEqualTo(ServingStatus.SERVING);
      long start = System.nanoTime();
      Throwable durable = catchThrowable(() -> server.stub().increment(
          IncrementRequest.newBuilder().setName(name).setDelta(1).build()));
      Throwable read = catchThrowable(() -> server.stub().get(GetRequest.newBuilder().setName(name).build()));
      assertThat(Status.fromThrowable(durable).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(Status.fromThrowable(read).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).as("fail fast").isLessThan(Duration.ofSeconds(2));
      // Buffered increments are still accepted, and written once Redis is back.
      for (int i = 0; i < 10; i++) {
        server.stub().increment(IncrementRequest.newBuilder().setName(bufferedName).setDelta(1)
            .setDurability(Durability.DURABILITY_BUFFERED).build());
      }

      redis.start();
      server.awaitStatus(ServingStatus.SERVING, Duration.ofSeconds(20));
      assertThat(server.stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isEqualTo(before);
      assertThat(server.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build()).getValue())
          .isEqualTo(before + 1);
      dev.counter.server.testing.Await.until("buffered increments written after the outage", Duration.ofSeconds(20),
          () -> server.stub().get(GetRequest.newBuilder().setName(bufferedName).build()).getValue() == 10);
    }
  }

  @Test
  void aFrozenRedisEndsCallsByTheirDeadlineAndTheyAreNotAppliedAfterwards() throws Exception {
    try (TestServer server = TestServer.start(redis.uri(), "--redis-timeout", "5s")) {
      String name = TestNames.unique("frozen");
      server.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build());
      redis.process().pause();
      try {
        // The first call occupies the flush that is stuck in Redis; the others queue behind it
        // and are dropped once their deadline passes, before they are ever sent.
        server.futureStub().withDeadlineAfter(2, TimeUnit.SECONDS)
            .increment(IncrementRequest.newBuilder().setName(name).setDelta(1000).build());
        // Only once its write is out at Redis, or the next call could join the same flush.
        IncrementBatcher batcher = server.instance(IncrementBatcher.class);
        dev.counter.server.testing.Await.until("the +1000 flush to be out at Redis", Duration.ofSeconds(5),
            () -> batcher.pending() == 1 && batcher.flushesInFlight() == 1);
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) {
          Throwable error = catchThrowable(() -> server.stub().withDeadlineAfter(300, TimeUnit.MILLISECONDS)
              .increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build()));
          assertThat(Status.fromThrowable(error).getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        // The server's copy of a deadline expires a moment after the client's: wait until it has
        // ended every call too (the +1000 one's write stays stuck in Redis), then let Redis go.
        dev.counter.server.testing.Await.until("the server to end the expired calls", Duration.ofSeconds(5),
            () -> server.instance(dev.counter.server.grpc.InFlightCalls.class).count() == 0);
      } finally {
        redis.process().resume();
      }
      // Only the stuck flush may have been applied (+1000); the queued +1s were dropped.
      long value = server.stub().get(GetRequest.newBuilder().setName(name).build()).getValue();
      assertThat(value).isIn(1L, 1001L);
    }
  }

  /**
   * A durable call queued behind a flush that a frozen Redis never answers fails with that flush,
   * after one --redis-timeout, with UNAVAILABLE and nothing applied; it is not sent into the
   * same silence to wait for a second timeout (and a 3 s deadline then ends it first).
   */
  @Test
  void callsQueuedBehindAnUnansweredFlushFailWithItWithinOneRedisTimeout() throws Exception {
    try (TestServer server = TestServer.start(redis.uri(), "--redis-timeout", "1s", "--health-interval", "10s")) {
      String name = TestNames.unique("queued-frozen");
      server.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build());
      redis.process().pause();
      try {
        var stuck = server.futureStub().withDeadlineAfter(3, TimeUnit.SECONDS)
            .increment(IncrementRequest.newBuilder().setName(name).setDelta(1000).build());
        IncrementBatcher batcher = server.instance(IncrementBatcher.class);
        dev.counter.server.testing.Await.until("the +1000 flush to be out at Redis", Duration.ofSeconds(5),
            () -> batcher.pending() == 1 && batcher.flushesInFlight() == 1);
        long start = System.nanoTime();
        Throwable queued = catchThrowable(() -> server.stub().withDeadlineAfter(3, TimeUnit.SECONDS)
            .increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build()));
        Duration waited = Duration.ofNanos(System.nanoTime() - start);

        assertThat(Status.fromThrowable(queued).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(Status.fromThrowable(catchThrowable(stuck::get)).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(waited).as("one Redis timeout, not two").isLessThan(Duration.ofMillis(1900));
        Status read = Status.fromThrowable(catchThrowable(() -> server.stub().withDeadlineAfter(3, TimeUnit.SECONDS)
            .get(GetRequest.newBuilder().setName(name).build())));
        assertThat(read.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
        assertThat(read.getDescription()).as("a read's advice").contains("retry the read").doesNotContain("increment");
      } finally {
        redis.process().resume();
      }
      long value = server.stub().get(GetRequest.newBuilder().setName(name).build()).getValue();
      assertThat(value).as("the queued +1 was never sent").isIn(1L, 1001L);
    }
  }
}
