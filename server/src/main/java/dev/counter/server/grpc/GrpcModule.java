package dev.counter.server.grpc;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.counter.server.config.ServerConfig;
import dev.counter.server.metrics.CallMetricsInterceptor;
import dev.counter.server.netty.SharedEventLoops;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import java.io.IOException;
import java.io.UncheckedIOException;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.opentelemetry.GrpcOpenTelemetry;
import dev.counter.server.telemetry.Telemetry;
import dev.counter.server.telemetry.TracingInterceptor;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** Builds the Netty gRPC server with the counter service, health and reflection. */
public final class GrpcModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(CounterGrpcService.class).in(Singleton.class);
    bind(InFlightCalls.class).in(Singleton.class);
    bind(OpenStreams.class).in(Singleton.class);
  }

  @Provides
  @Singleton
  @SuppressWarnings("deprecation") // ProtoReflectionService serves v1alpha, which grpcurl and older tools still use
  Server server(ServerConfig config, CounterGrpcService service, HealthStatusManager health, InFlightCalls inFlight,
      OpenStreams openStreams, CallMetricsInterceptor callMetrics, SharedEventLoops eventLoops, Telemetry telemetry) {
    ServerCredentials credentials = credentials(config);
    NettyServerBuilder builder = config.host()
        .map(host -> NettyServerBuilder.forAddress(new InetSocketAddress(host, config.port()), credentials))
        .orElseGet(() -> NettyServerBuilder.forPort(config.port(), credentials));
    builder.bossEventLoopGroup(eventLoops.group())
        .workerEventLoopGroup(eventLoops.group())
        .channelType(eventLoops.serverChannelType());
    if (config.directExecutor()) {
      // Handlers never block (work is queued to the batcher or the async store), so they run on
      // the transport threads and skip a hand-off per call.
      builder.directExecutor();
    }
    // gRPC's standard server metrics (grpc.server.call.duration, ...), on /metrics beside ours.
    if (config.grpcMetrics()) {
      GrpcOpenTelemetry.newBuilder().sdk(telemetry.openTelemetry()).build().configureServerBuilder(builder);
    }
    // Interceptors run last-added first: tracing sees the call before anything else does.
    ServerInterceptor[] interceptors = telemetry.tracing()
        ? new ServerInterceptor[] {inFlight, callMetrics, new TracingInterceptor(telemetry)}
        : new ServerInterceptor[] {inFlight, callMetrics};
    return builder
        .addService(ServerInterceptors.intercept(MalformedRequests.rejectAsInvalidArgument(service.bindService()),
            interceptors))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(ProtoReflectionService.newInstance())
        // Every service's streams, so that a drain ends them with a status (see CounterServer#stop).
        .intercept(openStreams)
        // Limits against abuse (README, "Limits"): message and header sizes, streams per
        // connection, and keepalive: clients pinging more often than every 10 s get GOAWAY
        // (ENHANCE_YOUR_CALM); the server pings idle clients every 60 s and drops dead ones.
        .maxInboundMessageSize(config.maxMessageSize())
        .maxInboundMetadataSize(16 * 1024)
        .maxConcurrentCallsPerConnection(config.maxConcurrentStreams())
        .permitKeepAliveTime(10, TimeUnit.SECONDS)
        .permitKeepAliveWithoutCalls(true)
        .keepAliveTime(60, TimeUnit.SECONDS)
        .keepAliveTimeout(20, TimeUnit.SECONDS)
        .build();
  }

  /** Plaintext, TLS, or mutual TLS, from --tls-cert, --tls-key and --tls-client-ca. */
  static ServerCredentials credentials(ServerConfig config) {
    if (config.tlsCert().isEmpty()) {
      return InsecureServerCredentials.create();
    }
    try {
      TlsServerCredentials.Builder tls = TlsServerCredentials.newBuilder()
          .keyManager(config.tlsCert().get().toFile(), config.tlsKey().orElseThrow().toFile());
      if (config.tlsClientCa().isPresent()) {
        tls.trustManager(config.tlsClientCa().get().toFile()).clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return tls.build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the TLS certificate or key", e);
    }
  }
}
