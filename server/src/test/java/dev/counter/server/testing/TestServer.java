package dev.counter.server.testing;

import com.google.inject.Guice;
import com.google.inject.Injector;
import com.google.inject.Stage;
import dev.counter.server.CounterServer;
import dev.counter.server.ServerModules;
import dev.counter.server.config.ServerConfig;
import dev.counter.v1.CounterServiceGrpc;
import io.grpc.Context;
import io.grpc.ChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * A complete server node, built by the production Guice modules and serving on a real Netty port
 * (a free one), for integration tests. {@link #start} returns once health reports SERVING.
 */
public final class TestServer implements AutoCloseable {
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final CounterServer server;
  private final Injector injector;
  private final ManagedChannel channel;
  private boolean stopped;

  private TestServer(Injector injector, ChannelCredentials credentials) throws Exception {
    this.injector = injector;
    this.server = injector.getInstance(CounterServer.class);
    server.start();
    this.channel = Grpc.newChannelBuilderForAddress("localhost", server.port(), credentials).build();
  }

  /** Starts a node on {@code redisUri} with {@code --port 0}, a 5 s shutdown grace and {@code extraArgs}. */
  public static TestServer start(String redisUri, String... extraArgs) throws Exception {
    return startWith(InsecureChannelCredentials.create(), redisUri, extraArgs);
  }

  /** Like {@link #start(String, String...)}, with the credentials the test's own channel uses (TLS). */
  public static TestServer startWith(ChannelCredentials credentials, String redisUri, String... extraArgs)
      throws Exception {
    TestServer server = launch(credentials, redisUri, extraArgs);
    try {
      server.awaitStatus(ServingStatus.SERVING, READY_TIMEOUT);
    } catch (Exception e) {
      server.stop();
      throw e;
    }
    return server;
  }

  /** Starts a node without waiting for it to become ready (it may never be). */
  public static TestServer launch(ChannelCredentials credentials, String redisUri, String... extraArgs)
      throws Exception {
    List<String> args = new ArrayList<>(List.of("--port", "0", "--shutdown-grace", "5s", "--metrics-port", "0"));
    if (redisUri != null) {
      args.addAll(List.of("--redis", redisUri));
    }
    args.addAll(List.of(extraArgs));
    ServerConfig config = ServerConfig.parse(Map.of(), args.toArray(String[]::new));
    return new TestServer(Guice.createInjector(Stage.PRODUCTION, ServerModules.forConfig(config)), credentials);
  }

  public int port() {
    return server.port();
  }

  /** The metrics port (0 unless started with --metrics-port). */
  public int metricsPort() {
    return server.metricsPort();
  }

  public String target() {
    return "127.0.0.1:" + port();
  }

  /** A plaintext channel to this node, closed with it. */
  public ManagedChannel channel() {
    return channel;
  }

  /** A blocking stub with a 10 s deadline per call. */
  public CounterServiceGrpc.CounterServiceBlockingStub stub() {
    return CounterServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  public CounterServiceGrpc.CounterServiceFutureStub futureStub() {
    return CounterServiceGrpc.newFutureStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  public <T> T instance(Class<T> type) {
    return injector.getInstance(type);
  }

  /** Waits (watching the health service) until the whole server reports {@code status}. */
  public void awaitStatus(ServingStatus status, Duration timeout) throws Exception {
    CompletableFuture<Void> reached = new CompletableFuture<>();
    Context.CancellableContext watching = Context.current().withCancellation();
    watching.run(() -> HealthGrpc.newStub(channel).watch(HealthCheckRequest.getDefaultInstance(), new StreamObserver<>() {
      @Override
      public void onNext(HealthCheckResponse response) {
        if (response.getStatus() == status) {
          reached.complete(null);
        }
      }

      @Override
      public void onError(Throwable error) {
        reached.completeExceptionally(error);
      }

      @Override
      public void onCompleted() {}
    }));
    try {
      reached.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } finally {
      watching.cancel(null);
    }
  }

  /** The graceful drain of SIGTERM. */
  public void stop() {
    if (!stopped) {
      stopped = true;
      server.stop();
      channel.shutdownNow();
    }
  }

  @Override
  public void close() {
    stop();
  }
}
