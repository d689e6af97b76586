package dev.counter.server.devredis;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A {@code redis-server} child process on a loopback port: started, waited for until it answers
 * PING, and stopped (or killed) by its own PID. Used by the development default and by tests.
 */
public final class RedisProcess implements AutoCloseable {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

  /**
   * Runs "$@" (redis-server and its arguments) with stdin from /dev/null, and a watcher that
   * blocks reading the guardian's stdin, a pipe whose only writer is the JVM. The pipe reaches
   * end-of-file when the JVM closes it ({@link #stop}) or dies; the watcher then sends SIGTERM to
   * redis-server. The guardian exits with redis-server's status once it has exited.
   */
  private static final String GUARDIAN = String.join("\n",
      "exec 3<&0 0</dev/null",
      "\"$@\" &",
      "redis=$!",
      "( read -r _ <&3; kill -TERM \"$redis\" 2>/dev/null ) &",
      "watcher=$!",
      "exec 3<&-",
      "wait \"$redis\"",
      "status=$?",
      "kill \"$watcher\" 2>/dev/null",
      "exit \"$status\"");

  private final Process process;
  private final int port;
  private final Path dir;
  private final boolean guarded;
  private volatile long redisPid;

  private RedisProcess(Process process, int port, Path dir, boolean guarded) {
    this.process = process;
    this.port = port;
    this.dir = dir;
    this.guarded = guarded;
    this.redisPid = guarded ? -1 : process.pid();
  }

  /**
   * Starts redis-server bound to 127.0.0.1 on {@code port}, working in {@code dir} (where it logs
   * to {@code redis.log}), with {@code extraArgs} appended as command-line config.
   */
  public static RedisProcess start(Path binary, int port, Path dir, List<String> extraArgs) {
    return start(binary, port, dir, extraArgs, false);
  }

  /**
   * Like {@link #start(Path, int, Path, List)}, but redis-server runs under a guardian shell that
   * stops it (SIGTERM, so it writes its append-only file) as soon as this JVM's end of the
   * guardian's stdin closes: when this JVM exits in any way, SIGKILL and an OutOfMemoryError exit
   * included, which no shutdown hook sees. {@link #pid()} is then redis-server's own pid.
   */
  public static RedisProcess startGuarded(Path binary, int port, Path dir, List<String> extraArgs) {
    return start(binary, port, dir, extraArgs, true);
  }

  private static RedisProcess start(Path binary, int port, Path dir, List<String> extraArgs, boolean guarded) {
    requireNonNull(binary, "binary is null");
    try {
      Files.createDirectories(dir);
      List<String> command = new ArrayList<>();
      // In its own session, a terminal's Ctrl-C (sent to the whole foreground process group)
      // cannot stop Redis before the node has drained its buffers into it. setsid execs in place
      // (the child is not a group leader), so the pid stays redis-server's (or the guardian's).
      RedisBinary.setsid().ifPresent(setsid -> command.add(setsid.toString()));
      if (guarded) {
        command.addAll(List.of("/bin/sh", "-c", GUARDIAN, "redis-guardian"));
      }
      command.addAll(List.of(binary.toString(),
          "--port", Integer.toString(port),
          "--bind", "127.0.0.1",
          "--daemonize", "no",
          "--dir", dir.toAbsolutePath().toString(),
          "--pidfile", dir.toAbsolutePath().resolve("redis.pid").toString()));
      command.addAll(extraArgs);
      ProcessBuilder builder = new ProcessBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("redis.log").toFile()));
      if (!guarded) {
        builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
      }
      Process process = builder.start();
      RedisProcess redis = new RedisProcess(process, port, dir, guarded);
      redis.awaitReady();
      return redis;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary, e);
    }
  }

  /** A TCP port that was free on 127.0.0.1 a moment ago. */
  public static int freePort() {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress("127.0.0.1", 0));
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * True when {@code port} can be bound on 127.0.0.1 right now the way redis-server binds it
   * (SO_REUSEADDR), so connections of a just-stopped Redis lingering in TIME_WAIT do not count.
   */
  public static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private void awaitReady() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("redis-server exited with " + process.exitValue() + "; see " + log());
      }
      if (answersPing()) {
        if (guarded) {
          redisPid = readPidFile();
        }
        return;
      }
      try {
        // Polling a child process that has no readiness callback; bounded by START_TIMEOUT.
        process.waitFor(20, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    destroyForcibly();
    throw new IllegalStateException("redis-server did not answer PING on port " + port + " within "
        + START_TIMEOUT + "; see " + log());
  }

  /** True when the server answers PING right now (with PONG, or NOAUTH when it wants a password). */
  public boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[7];
      int read = in.readNBytes(reply, 0, reply.length);
      String answer = new String(reply, 0, read, StandardCharsets.US_ASCII);
      return answer.startsWith("+PONG") || answer.startsWith("-NOAUTH");
    } catch (IOException e) {
      return false;
    }
  }

  public int port() {
    return port;
  }

  /** redis-server's pid (also when it runs under a guardian). */
  public long pid() {
    return redisPid;
  }

  /** The pid redis-server wrote to {@code redis.pid} once it was up (it is the guardian's child). */
  private long readPidFile() {
    try {
      return Long.parseLong(Files.readString(dir.resolve("redis.pid")).trim());
    } catch (IOException | NumberFormatException e) {
      // Not fatal: stop() still works through the guardian; only the pid in logs is unknown.
      return -1;
    }
  }

  public Path dir() {
    return dir;
  }

  public Path log() {
    return dir.resolve("redis.log");
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** {@code redis://127.0.0.1:<port>}. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** SIGTERM (Redis then writes its append-only file and exits), SIGKILL if it takes over 10 s. */
  public void stop() {
    if (!process.isAlive()) {
      return;
    }
    if (guarded) {
      // The guardian's watcher sees end-of-file and sends redis-server SIGTERM.
      closeQuietly(process.getOutputStream());
    } else {
      process.destroy();
    }
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      destroyForcibly();
    }
  }

  /** SIGKILL to redis-server (by its own pid) and to its guardian, if any. */
  private void destroyForcibly() {
    if (guarded && redisPid > 0) {
      ProcessHandle.of(redisPid).ifPresent(ProcessHandle::destroyForcibly);
    }
    process.destroyForcibly();
  }

  private static void closeQuietly(OutputStream stream) {
    try {
      stream.close();
    } catch (IOException ignored) {
      // the guardian is gone already
    }
  }

  /** SIGKILL, as a crash would. */
  public void kill() {
    destroyForcibly();
    try {
      process.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** SIGSTOP: the process freezes with its connections open, as a stalled server would. */
  public void pause() {
    signal("STOP");
  }

  /** SIGCONT after {@link #pause}. */
  public void resume() {
    signal("CONT");
  }

  private void signal(String name) {
    try {
      Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).inheritIO().start();
      if (!kill.waitFor(5, TimeUnit.SECONDS) || kill.exitValue() != 0) {
        throw new IllegalStateException("kill -" + name + " " + pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    stop();
  }
}
