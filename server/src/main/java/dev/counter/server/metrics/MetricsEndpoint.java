package dev.counter.server.metrics;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import dev.counter.server.config.ConfigurationException;
import java.io.IOException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves the metrics in Prometheus format over HTTP ({@code /metrics} on --metrics-port; 0: off). */
public final class MetricsEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

  private final ServerMetrics metrics;
  private final Optional<String> host;
  private final int port;
  private HTTPServer server;

  /**
   * @param host the address to bind (--metrics-host), empty for every interface
   * @param port the port (--metrics-port), 0 for no endpoint
   */
  public MetricsEndpoint(ServerMetrics metrics, Optional<String> host, int port) {
    this.metrics = requireNonNull(metrics, "metrics is null");
    this.host = requireNonNull(host, "host is null");
    this.port = port;
  }

  /**
   * Binds the endpoint.
   *
   * @throws ConfigurationException when the port is in use or the host is not this machine's
   */
  public void start() throws IOException {
    if (port == 0) {
      log.info("metrics endpoint disabled (--metrics-port 0)");
      return;
    }
    String address = host.orElse("0.0.0.0") + ":" + port;
    try {
      HTTPServer.Builder builder = HTTPServer.builder().port(port).registry(metrics.registry());
      host.ifPresent(builder::hostname);
      server = builder.buildAndStart();
    } catch (IOException e) {
      throw bindFailure(address, e);
    }
    log.info("metrics on http://{}:{}/metrics", host.orElse("0.0.0.0"), server.getPort());
  }

  private static RuntimeException bindFailure(String address, IOException error) {
    String flags = "--metrics-port / --metrics-host (COUNTER_METRICS_PORT, COUNTER_METRICS_HOST; --metrics-port 0 "
        + "turns the endpoint off)";
    String cause = String.valueOf(error.getMessage());
    if (error instanceof java.net.BindException && cause.contains("in use")) {
      return new ConfigurationException("metrics port " + address + " is already in use (another counter-server "
          + "or another program listens there); choose a free one with " + flags);
    }
    if (error instanceof java.net.BindException || error instanceof java.net.SocketException) {
      return new ConfigurationException("cannot listen on " + address + " for metrics (" + cause + "); check " + flags);
    }
    return new java.io.UncheckedIOException("cannot listen on " + address + " for metrics", error);
  }

  /** The bound port, or 0 when disabled. */
  public int port() {
    return server == null ? 0 : server.getPort();
  }

  @Override
  public void close() {
    if (server != null) {
      server.close();
    }
  }
}
