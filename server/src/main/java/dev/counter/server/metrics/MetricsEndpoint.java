package dev.counter.server.metrics;

import static java.util.Objects.requireNonNull;

import io.prometheus.metrics.exporter.httpserver.HTTPServer;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Serves the metrics in Prometheus format over HTTP ({@code /metrics} on --metrics-port; 0: off). */
public final class MetricsEndpoint implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

  private final ServerMetrics metrics;
  private final int port;
  private HTTPServer server;

  public MetricsEndpoint(ServerMetrics metrics, int port) {
    this.metrics = requireNonNull(metrics, "metrics is null");
    this.port = port;
  }

  public void start() throws IOException {
    if (port == 0) {
      log.info("metrics endpoint disabled (--metrics-port 0)");
      return;
    }
    server = HTTPServer.builder().port(port).registry(metrics.registry()).buildAndStart();
    log.info("metrics on http://0.0.0.0:{}/metrics", server.getPort());
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
