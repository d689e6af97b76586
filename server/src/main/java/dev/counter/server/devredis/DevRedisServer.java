package dev.counter.server.devredis;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The development default: a private redis-server with append-only persistence in the data
 * directory, started when no Redis is configured and stopped with the node. The directory is
 * locked while in use, and a redis-server left behind by a node that was killed is stopped
 * before a new one starts on the same files.
 */
public final class DevRedisServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevRedisServer.class);

  private final RedisProcess process;
  private final FileChannel lockChannel;
  private final FileLock lock;

  private DevRedisServer(RedisProcess process, FileChannel lockChannel, FileLock lock) {
    this.process = process;
    this.lockChannel = lockChannel;
    this.lock = lock;
  }

  /** Starts the private Redis on a free loopback port with its files in {@code dataDir}. */
  public static DevRedisServer start(Path dataDir) {
    Path dir = dataDir.toAbsolutePath().normalize();
    FileChannel channel = null;
    try {
      Files.createDirectories(dir);
      channel = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (java.nio.channels.OverlappingFileLockException heldInThisProcess) {
        lock = null;
      }
      if (lock == null) {
        throw new IllegalStateException("another counter-server is using " + dir + "; pass a different --data-dir");
      }
      stopLeftover(dir);
      Path binary = RedisBinary.locate(Optional.empty());
      RedisProcess process = RedisProcess.start(binary, RedisProcess.freePort(), dir, List.of(
          "--appendonly", "yes",
          "--appendfsync", "everysec",
          "--save", ""));
      log.info("No Redis configured: started a private redis-server (pid {}, {}) with append-only persistence in {}. "
              + "For production run with --redis redis://HOST:6379 (or COUNTER_REDIS).",
          process.pid(), process.uri(), dir);
      return new DevRedisServer(process, channel, lock);
    } catch (IOException e) {
      closeQuietly(channel);
      throw new UncheckedIOException("cannot prepare " + dir, e);
    } catch (RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /**
   * A node killed with SIGKILL cannot stop its redis-server; it keeps running on the same files.
   * We hold the directory lock now, so a redis-server named by its pid file is such a leftover.
   */
  private static void stopLeftover(Path dir) throws IOException {
    Path pidFile = dir.resolve("redis.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    String content = Files.readString(pidFile).trim();
    Files.deleteIfExists(pidFile);
    long pid;
    try {
      pid = Long.parseLong(content);
    } catch (NumberFormatException e) {
      return;
    }
    Optional<ProcessHandle> leftover = ProcessHandle.of(pid)
        .filter(ProcessHandle::isAlive)
        .filter(handle -> handle.info().command().map(command -> command.contains("redis-server")).orElse(false));
    if (leftover.isPresent()) {
      log.warn("stopping redis-server pid {} left behind in {} by a node that did not shut down", pid, dir);
      leftover.get().destroy();
      leftover.get().onExit().orTimeout(10, java.util.concurrent.TimeUnit.SECONDS).exceptionally(e -> null).join();
    }
  }

  /** The URI of the private Redis. */
  public String uri() {
    return process.uri();
  }

  @Override
  public void close() {
    process.stop();
    log.info("stopped the private redis-server (pid {})", process.pid());
    try {
      lock.release();
    } catch (IOException e) {
      log.debug("releasing the data directory lock", e);
    }
    closeQuietly(lockChannel);
  }

  private static void closeQuietly(FileChannel channel) {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // nothing left to do
      }
    }
  }
}
