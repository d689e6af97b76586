package dev.counter.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.annotation.Nullable;

/**
 * What a measured window cost, sampled at its start and end: the CPU time of the server process
 * under test (user + system, from {@code /proc/PID/stat}, all its threads), and Redis's own CPU
 * time and executed commands ({@code INFO cpu} and {@code INFO commandstats}). Either side is
 * optional. Benchmark tooling only (Linux for the server side).
 */
final class CostProbe {
  /** Linux reports process times in USER_HZ ticks, 100 per second on every architecture Java runs on here. */
  private static final long NANOS_PER_TICK = 10_000_000L;

  /** One sample; -1 for what is not measured. */
  record Sample(long serverCpuNanos, long redisCpuMicros, long redisCommands) {
    Cost minus(Sample start) {
      return new Cost(serverCpuNanos < 0 ? -1 : serverCpuNanos - start.serverCpuNanos,
          redisCpuMicros < 0 ? -1 : redisCpuMicros - start.redisCpuMicros,
          redisCommands < 0 ? -1 : redisCommands - start.redisCommands);
    }
  }

  /** The cost of a window; -1 for what was not measured. */
  record Cost(long serverCpuNanos, long redisCpuMicros, long redisCommands) {
    static final Cost NONE = new Cost(-1, -1, -1);
  }

  private final Long serverPid;
  private final RedisStats redis;

  CostProbe(@Nullable Long serverPid, @Nullable RedisStats redis) {
    this.serverPid = serverPid;
    this.redis = redis;
  }

  Sample sample() {
    long cpu = serverPid == null ? -1 : processCpuNanos(serverPid);
    return new Sample(cpu, redis == null ? -1 : redis.cpuMicros(), redis == null ? -1 : redis.commands());
  }

  /** utime + stime of a process, in nanoseconds (fields 14 and 15 of /proc/PID/stat). */
  static long processCpuNanos(long pid) {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the CPU time of process " + pid + " (--server-pid): " + e, e);
    }
    // The command name (field 2) may hold spaces; the fields after it start after its ')'.
    String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) * NANOS_PER_TICK;
  }
}
