package dev.counter.server.testing;

import dev.counter.server.devredis.RedisProcess;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A server node as a separate process (the packaged {@code target/counter-server.jar}), so tests can
 * SIGKILL or SIGTERM it like an orchestrator would. Stopped by its own PID.
 */
public final class ServerProcess implements AutoCloseable {
  private static final Path JAR = Path.of("target", "counter-server.jar");

  private final Process process;
  private final int port;
  private final int metricsPort;
  private final Path log;
  private final Path logDir;
  private final List<String> args;

  private ServerProcess(Process process, int port, int metricsPort, Path log, Path logDir, List<String> args) {
    this.process = process;
    this.port = port;
    this.metricsPort = metricsPort;
    this.log = log;
    this.logDir = logDir;
    this.args = args;
  }

  /**
   * Starts a node on free ports with {@code args} and waits until it reports SERVING. The JVM
   * gets the heap the start script ships (256 MiB) and exits on OutOfMemoryError, so a test
   * that keeps a node alive under load also shows its memory stays bounded.
   */
  public static ServerProcess start(Path logDir, String... args) throws IOException {
    if (!Files.exists(JAR)) {
      throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: integration tests run after 'package'");
    }
    for (int attempt = 1; ; attempt++) {
      int port = RedisProcess.freePort();
      int metricsPort = RedisProcess.freePort();
      if (metricsPort == port) {
        continue;
      }
      try {
        return launch(logDir, port, metricsPort, List.of(args));
      } catch (AddressInUse e) {
        // Another process took a port between picking and binding it: pick again.
        if (attempt >= 3) {
          throw e;
        }
      }
    }
  }

  /**
   * A new process of this node on the same ports with the same arguments, as an orchestrator
   * restarts a container (this one must have exited).
   */
  public ServerProcess restart() throws IOException {
    if (process.isAlive()) {
      throw new IllegalStateException("still running: " + pid());
    }
    return launch(logDir, port, metricsPort, args);
  }

  private static ServerProcess launch(Path logDir, int port, int metricsPort, List<String> args) throws IOException {
    Path log = Files.createTempFile(logDir, "server-" + port + "-", ".log");
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "-XX:+ExitOnOutOfMemoryError", "-jar", JAR.toAbsolutePath().toString(), "--port", Integer.toString(port),
        "--metrics-port", Integer.toString(metricsPort), "--host", "127.0.0.1", "--health-interval", "250ms"));
    command.addAll(args);
    Process process = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    ServerProcess server = new ServerProcess(process, port, metricsPort, log, logDir, List.copyOf(args));
    try {
      server.awaitServing(Duration.ofSeconds(60));
      return server;
    } catch (IllegalStateException e) {
      server.close();
      if (Files.readString(log).contains("Address already in use")) {
        throw new AddressInUse(e);
      }
      throw e;
    }
  }

  private static final class AddressInUse extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    AddressInUse(IllegalStateException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /** Waits (polling health, bounded) until the node reports SERVING. */
  public void awaitServing(Duration timeout) {
    ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    try {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        if (!process.isAlive()) {
          throw new IllegalStateException("server exited with " + process.exitValue() + "; see " + log);
        }
        try {
          if (HealthGrpc.newBlockingStub(channel).withDeadlineAfter(1, TimeUnit.SECONDS)
              .check(HealthCheckRequest.getDefaultInstance()).getStatus() == ServingStatus.SERVING) {
            return;
          }
        } catch (RuntimeException notYet) {
          // not listening yet
        }
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("server not SERVING within " + timeout + "; see " + log);
        }
        LockSupport.parkNanos(Duration.ofMillis(100).toNanos());
      }
    } finally {
      channel.shutdownNow();
    }
  }

  public String target() {
    return "127.0.0.1:" + port;
  }

  public int metricsPort() {
    return metricsPort;
  }

  public long pid() {
    return process.pid();
  }

  public Path log() {
    return log;
  }

  /** SIGKILL: the node dies with whatever it had not written. */
  public void kill() {
    process.destroyForcibly();
    waitFor(Duration.ofSeconds(10));
  }

  /** SIGTERM: the node drains, then exits; returns how long that took. */
  public Duration terminate(Duration timeout) {
    long start = System.nanoTime();
    process.destroy();
    if (!waitFor(timeout)) {
      throw new IllegalStateException("server did not exit within " + timeout + " of SIGTERM; see " + log);
    }
    return Duration.ofNanos(System.nanoTime() - start);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public int exitValue() {
    return process.exitValue();
  }

  private boolean waitFor(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The node's log. */
  public String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroy();
      if (!waitFor(Duration.ofSeconds(40))) {
        kill();
      }
    }
  }
}
