package dev.counter.server.testing;

import dev.counter.server.devredis.RedisBinary;
import dev.counter.server.devredis.RedisProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real {@code redis-server} on a free loopback port before the tests of a class and
 * stops it (by its PID) after them. The binary comes from {@code REDIS_SERVER}, else PATH, else
 * the one bundled in the embedded-redis jar. Register as a static field:
 *
 * <pre>{@code @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();}</pre>
 *
 * Tests isolate themselves with unique counter names rather than flushing the shared instance.
 */
public final class RedisServerExtension implements BeforeAllCallback, AfterAllCallback {
  private final List<String> extraArgs;
  private Path dir;
  private RedisProcess process;
  private int port;

  private RedisServerExtension(List<String> extraArgs) {
    this.extraArgs = List.copyOf(extraArgs);
  }

  /** A Redis without persistence. */
  public static RedisServerExtension create() {
    return new RedisServerExtension(List.of("--save", "", "--appendonly", "no"));
  }

  /** A Redis that fsyncs its append-only file on every write, so a SIGKILL loses nothing. */
  public static RedisServerExtension appendOnly() {
    return new RedisServerExtension(List.of("--save", "", "--appendonly", "yes", "--appendfsync", "always"));
  }

  /** A Redis without persistence, with {@code args} added to its command line. */
  public static RedisServerExtension withArgs(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of("--save", "", "--appendonly", "no"));
    all.addAll(List.of(args));
    return new RedisServerExtension(all);
  }

  /** The redis-server binary tests use. */
  public static Path binary() {
    return RedisBinary.locate(Optional.ofNullable(System.getenv("REDIS_SERVER")));
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("counter-redis-it-");
    process = startOnFreePort(dir, extraArgs);
    port = process.port();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (process != null) {
      process.stop();
    }
    deleteRecursively(dir);
  }

  /** Starts redis-server on a free port, trying another port if the chosen one was taken meanwhile. */
  public static RedisProcess startOnFreePort(Path dir, List<String> args) {
    IllegalStateException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      try {
        return RedisProcess.start(binary(), RedisProcess.freePort(), dir, args);
      } catch (IllegalStateException e) {
        last = e;
      }
    }
    throw last;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  public RedisProcess process() {
    return process;
  }

  /** Stops Redis gracefully (SIGTERM). */
  public void stop() {
    process.stop();
  }

  /** Kills Redis with SIGKILL. */
  public void kill() {
    process.kill();
  }

  /** Starts Redis again on the same port and directory (and so the same append-only file). */
  public void restart() {
    process.stop();
    start();
  }

  /** Starts Redis again after {@link #stop} or {@link #kill}, on the same port and directory. */
  public void start() {
    process = RedisProcess.start(binary(), port, dir, extraArgs);
  }

  static void deleteRecursively(Path root) {
    if (root == null || !Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
      for (Path path : all) {
        Files.deleteIfExists(path);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
