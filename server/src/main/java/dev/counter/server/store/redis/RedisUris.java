package dev.counter.server.store.redis;

import io.lettuce.core.RedisURI;

/** Renders Redis URIs for logs and errors without their credentials. */
final class RedisUris {
  private RedisUris() {}

  /** {@code host:port} (or the socket / sentinel master) with no password or user name. */
  static String describe(RedisURI uri) {
    if (uri.getSocket() != null) {
      return "unix:" + uri.getSocket();
    }
    if (uri.getSentinelMasterId() != null) {
      return "sentinel master " + uri.getSentinelMasterId();
    }
    return (uri.isSsl() ? "rediss://" : "redis://") + uri.getHost() + ":" + uri.getPort();
  }
}
