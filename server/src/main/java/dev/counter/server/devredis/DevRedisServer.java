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
import dev.counter.server.config.ConfigurationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The development default: a private redis-server with append-only persistence in the data
 * directory, started when no Redis is configured and stopped with the node. The directory is
 * locked while in use.
 *
 * <p>Nothing here outlives the node: redis-server runs under a guardian that stops it when this
 * JVM goes away, however it goes (see {@link RedisProcess#startGuarded}), and a shutdown hook
 * stops it before the JVM exits (a failed start, {@code System.exit}). Should one be left behind
 * all the same (the guardian killed with it), the next node on the directory stops it before
 * starting its own.
 */
public final class DevRedisServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DevRedisServer.class);

  private final RedisProcess process;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Thread shutdownHook;
  private boolean closed;

  private DevRedisServer(RedisProcess process, FileChannel lockChannel, FileLock lock) {
    this.process = process;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.shutdownHook = new Thread(this::stopProcess, "counter-dev-redis-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
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
        throw new ConfigurationException("another counter-server is using the data directory " + dir
            + " (its dev Redis); give this one its own --data-dir (COUNTER_DATA_DIR), or --redis");
      }
      LeftoverRedis.stopIfRunning(dir);
      Path binary = RedisBinary.locate(Optional.empty());
      RedisProcess process = RedisProcess.startGuarded(binary, RedisProcess.freePort(), dir, List.of(
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

  /** The URI of the private Redis. */
  public String uri() {
    return process.uri();
  }

  @Override
  public void close() {
    stopProcess();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running or has run: nothing to remove
    }
    try {
      lock.release();
    } catch (IOException e) {
      log.debug("releasing the data directory lock", e);
    }
    closeQuietly(lockChannel);
  }

  private synchronized void stopProcess() {
    if (closed) {
      return;
    }
    closed = true;
    process.stop();
    log.info("stopped the private redis-server (pid {})", process.pid());
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
