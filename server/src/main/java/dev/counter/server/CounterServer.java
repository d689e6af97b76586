package dev.counter.server;

import static java.util.Objects.requireNonNull;

import dev.counter.server.batching.SmartBatcher;
import dev.counter.server.config.ServerConfig;
import dev.counter.server.grpc.ErrorReason;
import dev.counter.server.grpc.InFlightCalls;
import dev.counter.server.grpc.OpenStreams;
import dev.counter.server.grpc.ServiceError;
import dev.counter.server.metrics.MetricsEndpoint;
import dev.counter.server.metrics.ServerMetrics;
import dev.counter.server.netty.SharedEventLoops;
import dev.counter.server.health.StoreHealthMonitor;
import dev.counter.server.store.StoreLifecycle;
import dev.counter.server.telemetry.Telemetry;
import dev.counter.server.watch.WatchHub;
import io.grpc.Server;
import jakarta.inject.Inject;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server node: the single place that starts every component in order and stops them in
 * reverse. Stopping is the graceful drain of SPEC §4: health NOT_SERVING, new calls refused,
 * calls in flight finished, every buffer flushed, node id released, all within the grace period.
 */
public final class CounterServer {
  private static final Logger log = LoggerFactory.getLogger(CounterServer.class);

  private final Server grpcServer;
  private final StoreLifecycle store;
  private final SmartBatcher batcher;
  private final StoreHealthMonitor health;
  private final InFlightCalls inFlight;
  private final OpenStreams openStreams;
  private final WatchHub watches;
  private final SharedEventLoops eventLoops;
  private final MetricsEndpoint metricsEndpoint;
  private final Telemetry telemetry;
  private final Duration shutdownGrace;
  private final String grpcAddress;
  private boolean stopped;
  private boolean clean;

  @Inject
  CounterServer(Server grpcServer, StoreLifecycle store, SmartBatcher batcher, StoreHealthMonitor health,
      InFlightCalls inFlight, OpenStreams openStreams, WatchHub watches, SharedEventLoops eventLoops,
      ServerMetrics metrics, MetricsEndpoint metricsEndpoint, ServerConfig config, Telemetry telemetry) {
    this.grpcServer = requireNonNull(grpcServer, "grpcServer is null");
    this.store = requireNonNull(store, "store is null");
    this.batcher = requireNonNull(batcher, "batcher is null");
    this.health = requireNonNull(health, "health is null");
    this.inFlight = requireNonNull(inFlight, "inFlight is null");
    this.openStreams = requireNonNull(openStreams, "openStreams is null");
    this.watches = requireNonNull(watches, "watches is null");
    this.eventLoops = requireNonNull(eventLoops, "eventLoops is null");
    this.metricsEndpoint = requireNonNull(metricsEndpoint, "metricsEndpoint is null");
    this.telemetry = requireNonNull(telemetry, "telemetry is null");
    metrics.gauge("counter_pending_increments", "Increments accepted but not yet written (bounded by --max-pending)",
        batcher::pending);
    metrics.gauge("counter_flushes_in_flight", "Batched writes out at Redis now (at most one per lane)",
        batcher::flushesInFlight);
    metrics.gauge("counter_node_id", "This node's id (its field in every counter hash); -1 until leased",
        () -> store.nodeId().orElse(-1));
    metrics.gauge("counter_watchers", "Watch streams this node serves", watches::watchers);
    metrics.gauge("counter_grpc_calls_in_flight", "Unary counter calls in flight", inFlight::count);
    metrics.gauge("counter_redis_up", "1 while Redis answers the health probe (health SERVING), else 0",
        () -> health.storeAvailable() ? 1 : 0);
    metrics.gauge("counter_max_pending", "The --max-pending limit (for alerts on counter_pending_increments)",
        config::maxPending);
    this.shutdownGrace = config.shutdownGrace();
    this.grpcAddress = config.host().orElse("0.0.0.0") + ":" + config.port();
  }

  /**
   * Starts connecting to Redis and serving; returns once the ports are bound. If any step fails,
   * everything started before it is closed again (the dev Redis included) and the failure is
   * thrown: a {@link dev.counter.server.config.ConfigurationException} for a configuration
   * mistake such as a port in use.
   */
  public void start() throws IOException {
    try {
      store.start();
      health.start();
      try {
        grpcServer.start();
      } catch (IOException e) {
        throw PortBinding.failure("gRPC", grpcAddress, "--port / --host (COUNTER_PORT, COUNTER_HOST)", e);
      }
      metricsEndpoint.start();
    } catch (IOException | RuntimeException e) {
      closeAfterFailedStart();
      throw e;
    }
    log.info("serving counter.v1.CounterService on port {} (health NOT_SERVING until Redis answers)", port());
  }

  /** Closes what a failed {@link #start} may have started; nothing was accepted, so nothing drains. */
  private synchronized void closeAfterFailedStart() {
    stopped = true;
    closeComponents();
  }

  /** Closes every part, the gRPC server first (its last calls are cut), telemetry last. */
  private void closeComponents() {
    grpcServer.shutdownNow();
    batcher.close();
    health.close();
    store.close();
    eventLoops.close();
    metricsEndpoint.close();
    telemetry.close();
  }

  /** The bound metrics port, 0 when off. */
  public int metricsPort() {
    return metricsEndpoint.port();
  }

  /** The bound gRPC port (useful with --port 0). */
  public int port() {
    return grpcServer.getPort();
  }

  /**
   * Drains and stops, within the configured grace period; idempotent. Returns true when the drain
   * was clean: every call in flight ended by itself and every accepted increment was written.
   *
   * <p>Every call that reaches the node ends with a status: calls arriving after the drain began
   * get UNAVAILABLE ({@code SERVER_DRAINING}) from the handlers, streams (Watch, health watches,
   * reflection) are ended with the same status, and calls in flight finish; only then do the
   * connections close, after the HTTP/2 GOAWAY exchange. Forcing them closed (which resets
   * streams without a status) is the last resort, at half the grace period. The rest of the
   * grace period writes what is still buffered, minus a reserve for releasing the node id and
   * closing connections.
   */
  public synchronized boolean stop() {
    if (stopped) {
      return clean;
    }
    stopped = true;
    long start = System.nanoTime();
    long closeReserve = Math.min(Duration.ofSeconds(5).toNanos(), shutdownGrace.toNanos() / 5);
    long deadline = start + shutdownGrace.toNanos() - closeReserve;
    long callsDeadline = start + (shutdownGrace.toNanos() - closeReserve) / 2;
    log.info("draining: health NOT_SERVING, refusing new calls, finishing calls in flight (grace {})", shutdownGrace);
    health.startDraining();
    grpcServer.shutdown();
    ServiceError draining = ServiceError.of(ErrorReason.SERVER_DRAINING,
        "the server is shutting down; retry on another node");
    watches.close();
    openStreams.drain(draining);
    boolean callsFinished = false;
    long lost = -1;
    try {
      callsFinished = grpcServer.awaitTermination(remainingNanos(callsDeadline), TimeUnit.NANOSECONDS);
      if (!callsFinished) {
        log.warn("{} calls still in flight at half the grace period are cut", inFlight.count());
        grpcServer.shutdownNow();
      }
      lost = batcher.drain(Duration.ofNanos(remainingNanos(deadline)));
      if (lost == 0) {
        log.info("every accepted increment is written");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeComponents();
      log.info("stopped");
    }
    clean = callsFinished && lost == 0;
    return clean;
  }

  /** Blocks until the gRPC server has terminated. */
  public void awaitTermination() throws InterruptedException {
    grpcServer.awaitTermination();
  }

  private static long remainingNanos(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }
}
