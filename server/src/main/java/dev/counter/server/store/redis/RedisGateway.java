package dev.counter.server.store.redis;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;

/**
 * The connection(s) to Redis every Redis component shares. Commands are pipelined on one
 * connection, in order, at most once (never replayed after a reconnect: a replayed increment
 * script could apply twice).
 */
public interface RedisGateway extends AutoCloseable {
  /**
   * Asynchronous commands. Throws {@link dev.counter.server.store.StoreUnavailableException} until
   * the first connection is established; afterwards Lettuce reconnects by itself and commands
   * issued while disconnected fail at once.
   */
  RedisClusterAsyncCommands<String, String> async();

  /** True once a connection was established and it is currently open. */
  boolean isConnected();

  /** Starts connecting in the background; calls {@code onConnected} once, on first success. */
  void start(Runnable onConnected);

  @Override
  void close();
}
