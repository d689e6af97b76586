package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.counter.server.testing.Await;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.IncrementRequest;
import io.grpc.InsecureChannelCredentials;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Redis that may evict keys (any maxmemory-policy but noeviction) would drop idempotency records,
 * write tokens or counters: the node refuses to serve on it, says why, and serves once the policy
 * is fixed, without a restart.
 */
class RedisEvictionPolicyIT {
  @RegisterExtension
  static final RedisServerExtension redis = RedisServerExtension.withArgs("--maxmemory-policy", "volatile-lru");

  @Test
  void aNodeRefusesToServeOnARedisThatMayEvictAndRecoversWhenThePolicyIsFixed() throws Exception {
    try (TestServer server = TestServer.launch(InsecureChannelCredentials.create(), redis.uri(),
        "--health-interval", "200ms")) {
      String name = TestNames.unique("eviction");
      // NOT_SERVING from the start; once connected, the reason is the policy.
      Await.until("the node to name the policy", Duration.ofSeconds(10), () -> String.valueOf(Status.fromThrowable(
          catchThrowable(() -> server.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build())))
          .getDescription()).contains("maxmemory-policy"));
      Throwable refused = catchThrowable(() -> server.stub().increment(
          IncrementRequest.newBuilder().setName(name).setDelta(1).build()));
      assertThat(Status.fromThrowable(refused).getCode()).isEqualTo(Status.Code.UNAVAILABLE);
      assertThat(Status.fromThrowable(refused).getDescription())
          .contains("maxmemory-policy volatile-lru").contains("noeviction");
      server.awaitStatus(ServingStatus.NOT_SERVING, Duration.ofSeconds(1));

      RedisClient client = RedisClient.create(redis.uri());
      try (StatefulRedisConnection<String, String> admin = client.connect()) {
        admin.sync().configSet("maxmemory-policy", "noeviction");
      } finally {
        client.shutdown();
      }
      server.awaitStatus(ServingStatus.SERVING, Duration.ofSeconds(10));
      assertThat(server.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build()).getValue())
          .isEqualTo(1);
    }
  }
}
