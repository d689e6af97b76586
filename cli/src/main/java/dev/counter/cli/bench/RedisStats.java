package dev.counter.cli.bench;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads Redis {@code INFO commandstats}: the total number of commands Redis executed (commands
 * run inside scripts included, INFO itself excluded), and {@code INFO cpu}: the CPU time Redis
 * used, so a load test can report the Redis work per increment.
 */
final class RedisStats implements AutoCloseable {
  private static final Pattern CPU = Pattern.compile("^used_cpu_(?:sys|user):([0-9.]+)", Pattern.MULTILINE);
  private static final Pattern CALLS = Pattern.compile("^cmdstat_([a-z|_-]+):calls=(\\d+)", Pattern.MULTILINE);

  private final RedisClient client;
  private final StatefulRedisConnection<String, String> connection;

  RedisStats(String uri) {
    client = RedisClient.create(uri);
    connection = client.connect();
  }

  /** Commands executed so far, by every client. */
  long commands() {
    return parse(connection.sync().info("commandstats"));
  }

  /** Redis's own CPU time so far (used_cpu_sys + used_cpu_user), in microseconds. */
  long cpuMicros() {
    return parseCpu(connection.sync().info("cpu"));
  }

  static long parseCpu(String cpu) {
    double seconds = 0;
    Matcher matcher = CPU.matcher(cpu);
    while (matcher.find()) {
      seconds += Double.parseDouble(matcher.group(1));
    }
    return Math.round(seconds * 1e6);
  }

  static long parse(String commandstats) {
    long total = 0;
    Matcher matcher = CALLS.matcher(commandstats);
    while (matcher.find()) {
      if (!matcher.group(1).equals("info")) {
        total += Long.parseLong(matcher.group(2));
      }
    }
    return total;
  }

  @Override
  public void close() {
    connection.close();
    client.shutdown();
  }
}
