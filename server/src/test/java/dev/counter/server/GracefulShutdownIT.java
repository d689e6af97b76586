package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.common.util.concurrent.ListenableFuture;
import dev.counter.server.testing.Await;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.GetRequest;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The SIGTERM drain of SPEC §4, driven through {@link CounterServer#stop()}. */
class GracefulShutdownIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  @Test
  void healthWatchersSeeNotServingAndCannotHoldTheDrain() throws Exception {
    TestServer server = TestServer.start(redis.uri(), "--shutdown-grace", "30s");
    List<ServingStatus> seen = new CopyOnWriteArrayList<>();
    CompletableFuture<Status> ended = new CompletableFuture<>();
    HealthGrpc.newStub(server.channel()).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
      @Override
      public void onNext(HealthCheckResponse response) {
        seen.add(response.getStatus());
      }

      @Override
      public void onError(Throwable error) {
        ended.complete(Status.fromThrowable(error));
      }

      @Override
      public void onCompleted() {
        ended.complete(Status.OK);
      }
    });
    Await.until("the watch to report SERVING", Duration.ofSeconds(10), () -> seen.contains(ServingStatus.SERVING));

    long start = System.nanoTime();
    server.stop();

    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(ended.get(10, TimeUnit.SECONDS).getCode()).isNotEqualTo(Status.Code.OK);
    assertThat(seen).containsSubsequence(ServingStatus.SERVING, ServingStatus.NOT_SERVING);
  }

  @Test
  void callsInFlightFinishNewCallsAreRefusedAndTheLeaseIsReleased() throws Exception {
    TestServer server = TestServer.start(redis.uri(), "--shutdown-grace", "30s", "--redis-timeout", "20s");
    TestServer other = TestServer.start(redis.uri());
    String name = TestNames.unique("in-flight");
    String leaseKey;
    RedisClient client = RedisClient.create(redis.uri());
    try (StatefulRedisConnection<String, String> admin = client.connect()) {
      leaseKey = "ctr:node:" + nodeIdOf(server, name);
      assertThat(admin.sync().exists(leaseKey)).isEqualTo(1);

      // Freeze Redis so that the calls below are in flight when the drain starts.
      redis.process().pause();
      List<ListenableFuture<IncrementResponse>> inFlight = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        inFlight.add(server.futureStub().increment(IncrementRequest.newBuilder().setName(name).setDelta(1).build()));
      }
      Await.until("the calls to reach the server", Duration.ofSeconds(10),
          () -> server.instance(dev.counter.server.grpc.InFlightCalls.class).count() == 20);
      CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::stop);
      Await.until("the drain to start", Duration.ofSeconds(10),
          () -> server.instance(dev.counter.server.health.StoreHealthMonitor.class).draining());

      Throwable refused = org.assertj.core.api.Assertions.catchThrowable(() ->
          server.stub().increment(IncrementRequest.newBuilder().setName(name).setDelta(100).build()));
      assertThat(Status.fromThrowable(refused).getCode()).isEqualTo(Status.Code.UNAVAILABLE);

      redis.process().resume();
      for (ListenableFuture<IncrementResponse> call : inFlight) {
        assertThat(call.get(20, TimeUnit.SECONDS).getValue()).isBetween(1L, 20L);
      }
      stopping.get(30, TimeUnit.SECONDS);

      assertThat(other.stub().get(GetRequest.newBuilder().setName(name).build()).getValue()).isEqualTo(20);
      assertThat(admin.sync().exists(leaseKey)).as("lease released").isZero();
    } finally {
      redis.process().resume();
      client.shutdown();
      other.stop();
    }
  }

  private static String nodeIdOf(TestServer server, String name) {
    server.stub().increment(IncrementRequest.newBuilder().setName(name + "-probe").setDelta(1).build());
    return server.stub().get(GetRequest.newBuilder().setName(name + "-probe").setIncludeShards(true).build())
        .getShards(0).getNodeId();
  }
}
