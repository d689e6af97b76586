package dev.counter.server.badinput;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.counter.server.grpc.InFlightCalls;
import dev.counter.server.testing.Await;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Per-connection limits are enforced without failing well-behaved callers. */
class LimitsIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  @Test
  void callsBeyondTheStreamLimitWaitOnTheClientInsteadOfFailing() throws Exception {
    try (TestServer server = TestServer.start(redis.uri(), "--max-concurrent-streams", "2", "--redis-timeout", "20s")) {
      String name = TestNames.unique("streams");
      redis.process().pause(); // so that calls stay in flight
      List<ListenableFuture<IncrementResponse>> calls = new ArrayList<>();
      try {
        for (int i = 0; i < 6; i++) {
          calls.add(server.futureStub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build()));
        }
        InFlightCalls inFlight = server.instance(InFlightCalls.class);
        Await.until("two calls in flight", Duration.ofSeconds(5), () -> inFlight.count() == 2);
        // Bounded observation: the other four stay queued on the client.
        for (int i = 0; i < 20; i++) {
          assertThat(inFlight.count()).isLessThanOrEqualTo(2);
          LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
        }
      } finally {
        redis.process().resume();
      }
      List<Long> values = new ArrayList<>();
      for (ListenableFuture<IncrementResponse> call : calls) {
        values.add(call.get(20, TimeUnit.SECONDS).getValue());
      }
      assertThat(values).containsExactlyInAnyOrder(1L, 2L, 3L, 4L, 5L, 6L);
    }
  }
}
