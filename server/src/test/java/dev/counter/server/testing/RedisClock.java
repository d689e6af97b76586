package dev.counter.server.testing;

import io.lettuce.core.api.sync.RedisServerCommands;
import java.util.List;

/** The Redis clock, which decides periods and record generations, read the way the scripts read it. */
public final class RedisClock {
  private RedisClock() {}

  /** Redis's TIME in milliseconds. */
  public static long millis(RedisServerCommands<String, String> redis) {
    List<String> time = redis.time();
    return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
  }
}
