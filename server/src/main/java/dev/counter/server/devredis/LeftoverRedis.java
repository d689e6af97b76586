package dev.counter.server.devredis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds and stops a development redis-server left running on a data directory by a node that
 * could not stop it. Called with the directory's lock held, so no live node owns such a process.
 *
 * <p>The process is the one named by the {@code redis.pid} file Redis wrote there, if it is still
 * alive and was started before that file was written: a pid the kernel handed to some other
 * process after that Redis died started later. The executable's name is not relied upon: on
 * Debian and Ubuntu {@code /usr/bin/redis-server} is a symlink to {@code redis-check-rdb}, which is
 * what the kernel reports as the process's executable.
 */
final class LeftoverRedis {
  private static final Logger log = LoggerFactory.getLogger(LeftoverRedis.class);
  /** Redis writes its pid file within milliseconds of starting; this absorbs clock granularity. */
  private static final Duration START_TO_PID_FILE = Duration.ofSeconds(2);

  private LeftoverRedis() {}

  static void stopIfRunning(Path dir) throws IOException {
    Path pidFile = dir.resolve("redis.pid");
    if (!Files.exists(pidFile)) {
      return;
    }
    Instant written = Files.getLastModifiedTime(pidFile).toInstant();
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
        .filter(handle -> startedBefore(handle, written.plus(START_TO_PID_FILE)));
    if (leftover.isEmpty()) {
      return;
    }
    log.warn("stopping redis-server pid {} left behind in {} by a node that did not shut down", pid, dir);
    ProcessHandle process = leftover.get();
    process.destroy();
    if (!awaitExit(process, Duration.ofSeconds(10))) {
      process.destroyForcibly();
      awaitExit(process, Duration.ofSeconds(5));
    }
  }

  private static boolean startedBefore(ProcessHandle process, Instant limit) {
    return process.info().startInstant().map(start -> !start.isAfter(limit)).orElse(false);
  }

  private static boolean awaitExit(ProcessHandle process, Duration timeout) {
    try {
      process.onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (Exception e) {
      return !process.isAlive();
    }
  }
}
