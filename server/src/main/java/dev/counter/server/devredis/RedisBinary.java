package dev.counter.server.devredis;

import dev.counter.server.config.ConfigurationException;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Locale;
import java.util.Optional;

/**
 * Finds a {@code redis-server} executable: an explicit path, else the one on {@code PATH}, else
 * the binary bundled in the {@code com.github.codemonstur:embedded-redis} jar (extracted once
 * per process to a temporary file).
 */
public final class RedisBinary {
  private static Path extracted;

  private RedisBinary() {}

  /** Locates redis-server, preferring {@code explicitPath} when given. */
  public static Path locate(Optional<String> explicitPath) {
    if (explicitPath.isPresent() && !explicitPath.get().isBlank()) {
      Path path = Path.of(explicitPath.get());
      if (!Files.isExecutable(path)) {
        throw new IllegalStateException("redis-server at " + path + " is not executable");
      }
      return path;
    }
    return onPath().orElseGet(RedisBinary::bundled);
  }

  /** redis-server from the PATH, if any. */
  public static Optional<Path> onPath() {
    return findOnPath("redis-server");
  }

  /** The {@code setsid} utility (Linux), if present. */
  static Optional<Path> setsid() {
    return findOnPath("setsid");
  }

  private static Optional<Path> findOnPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isBlank()) {
        continue;
      }
      Path candidate = Path.of(dir, program);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The binary bundled for this OS and CPU, extracted to a temporary file. */
  public static synchronized Path bundled() {
    if (extracted != null && Files.isExecutable(extracted)) {
      return extracted;
    }
    String resource = bundledResourceName();
    try (InputStream in = RedisBinary.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        // The slim jar (the container image's) bundles none: production points at a real Redis.
        throw new ConfigurationException("no Redis configured, and no redis-server to start for development: "
            + "none on PATH and none bundled in this jar; pass --redis (COUNTER_REDIS) or --redis-cluster "
            + "(COUNTER_REDIS_CLUSTER)");
      }
      Path dir = Files.createTempDirectory("counter-redis-");
      Path binary = dir.resolve("redis-server");
      Files.copy(in, binary, StandardCopyOption.REPLACE_EXISTING);
      if (!binary.toFile().setExecutable(true, true)) {
        throw new IllegalStateException("cannot make " + binary + " executable");
      }
      // Deleted on exit in reverse order of registration: the file first, then its directory.
      dir.toFile().deleteOnExit();
      binary.toFile().deleteOnExit();
      extracted = binary;
      return binary;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot extract the bundled redis-server", e);
    }
  }

  private static String bundledResourceName() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch").toLowerCase(Locale.ROOT);
    boolean arm = arch.contains("aarch64") || arch.contains("arm64");
    if (os.contains("linux")) {
      return arm ? "redis-server-6.2.7-linux-arm64" : "redis-server-6.2.6-v5-linux-amd64";
    }
    if (os.contains("mac") || os.contains("darwin")) {
      return arm ? "redis-server-6.2.6-v5-darwin-arm64" : "redis-server-6.2.6-v5-darwin-amd64";
    }
    throw new ConfigurationException("no Redis configured, and no redis-server bundled for " + os + "/" + arch
        + " nor on PATH; pass --redis (COUNTER_REDIS) or --redis-cluster (COUNTER_REDIS_CLUSTER)");
  }
}
