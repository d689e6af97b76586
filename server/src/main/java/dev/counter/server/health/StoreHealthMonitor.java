package dev.counter.server.health;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.StoreProbe;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drives {@code grpc.health.v1.Health} from the store: SERVING only while the store answers its
 * probe, NOT_SERVING otherwise and for good once draining starts. Probes every interval while
 * serving, and every 100 ms while not, so a node becomes ready soon after Redis does.
 */
public final class StoreHealthMonitor implements ServingState, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StoreHealthMonitor.class);
  private static final Duration RECOVERY_INTERVAL = Duration.ofMillis(100);
  /** Health is reported for the whole server ("") and for the counter service by name. */
  private final String[] services;

  private final StoreProbe probe;
  private final HealthStatusManager health;
  private final ScheduledExecutorService scheduler;
  private final Duration interval;
  private final Duration timeout;
  private volatile boolean available;
  private volatile boolean draining;
  /** Why the store is not usable, from the last probe; null when it is. */
  private volatile String problem = "this node is starting";

  /** @param scheduler owned by the monitor from now on; {@link #close} shuts it down */
  public StoreHealthMonitor(StoreProbe probe, HealthStatusManager health, ScheduledExecutorService scheduler,
      Duration interval, Duration timeout, String serviceName) {
    this.probe = requireNonNull(probe, "probe is null");
    this.health = requireNonNull(health, "health is null");
    this.scheduler = requireNonNull(scheduler, "scheduler is null");
    this.interval = requireNonNull(interval, "interval is null");
    this.timeout = requireNonNull(timeout, "timeout is null");
    this.services = new String[] {HealthStatusManager.SERVICE_NAME_ALL_SERVICES, serviceName};
    report(ServingStatus.NOT_SERVING);
    // For liveness probes: SERVING while the process serves gRPC, whatever Redis does (restarting
    // a node cannot fix Redis). Like every service it goes NOT_SERVING when draining starts.
    health.setStatus(LIVENESS_SERVICE, ServingStatus.SERVING);
  }

  /** The health service name that reports the process itself, not its dependencies. */
  public static final String LIVENESS_SERVICE = "liveness";

  /** Starts probing. */
  public void start() {
    scheduler.execute(this::check);
  }

  private void check() {
    if (draining) {
      return;
    }
    String problem;
    try {
      problem = probe.probe().toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS).orElse(null);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    } catch (Exception e) {
      problem = "Redis is not answering";
    }
    boolean ok = problem == null;
    String previous = this.problem;
    this.problem = problem;
    if ((ok != available || (problem != null && !problem.equals(previous))) && !draining) {
      available = ok;
      report(ok ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
      if (ok) {
        log.info("Redis is answering: health SERVING");
      } else if (problem.startsWith("Redis runs maxmemory-policy")) {
        log.error("{}: health NOT_SERVING, calls that need Redis get UNAVAILABLE", problem);
      } else {
        log.warn("{}: health NOT_SERVING, calls that need Redis get UNAVAILABLE", problem);
      }
    }
    Duration next = ok ? interval : (interval.compareTo(RECOVERY_INTERVAL) < 0 ? interval : RECOVERY_INTERVAL);
    if (!draining) {
      try {
        scheduler.schedule(this::check, next.toMillis(), TimeUnit.MILLISECONDS);
      } catch (java.util.concurrent.RejectedExecutionException stopped) {
        // the node is shutting down
      }
    }
  }

  /** Reports NOT_SERVING for good and makes {@link #draining()} true. */
  public void startDraining() {
    draining = true;
    available = false;
    health.enterTerminalState();
  }

  /** Stops probing (the scheduler is owned by this monitor). */
  @Override
  public void close() {
    scheduler.shutdownNow();
  }

  @Override
  public boolean storeAvailable() {
    return available;
  }

  @Override
  public String storeProblem() {
    String current = problem;
    return current == null ? "Redis is not answering" : current;
  }

  @Override
  public boolean draining() {
    return draining;
  }

  private void report(ServingStatus status) {
    for (String service : services) {
      health.setStatus(service, status);
    }
  }
}
