package dev.counter.server.store.redis;

import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.protocol.RedisCommand;
import java.util.List;
import java.util.concurrent.CompletionStage;

/**
 * The connection(s) to Redis every Redis component shares: one standalone server (or the master
 * a Sentinel names) or a Redis Cluster. Commands are sent at most once: never replayed after a
 * reconnect, because a replayed increment script could apply twice.
 */
public interface RedisGateway extends AutoCloseable {
  /**
   * Asynchronous commands, routed by key on a cluster. Throws
   * {@link dev.counter.server.store.StoreUnavailableException} until the first connection is
   * established; afterwards Lettuce reconnects by itself and commands issued while disconnected
   * fail at once.
   */
  RedisClusterAsyncCommands<String, String> async();

  /**
   * Sends {@code commands} together: on one connection in a single write (one socket flush for
   * all of them), routed by key on a cluster. Each command completes on its own. Throws like
   * {@link #async()} before the first connection.
   */
  void dispatch(List<? extends RedisCommand<String, String, ?>> commands);

  /** True once a connection was established and it is currently open. */
  boolean isConnected();

  /** Starts connecting in the background; calls {@code onConnected} once, on first success. */
  void start(Runnable onConnected);

  /** True for a Redis Cluster, where one script may only touch keys of one slot. */
  boolean isCluster();

  /** The lane of a slot: one per master on a cluster (so a failing master holds back only its slots), else 0. */
  int laneOf(int slot);

  /** The most lanes {@link #laneOf} returns. */
  int laneCount();

  /**
   * The connection that takes the writes of {@code slot} and on which WAIT then covers them: the
   * slot's current master on a cluster. Every command of one write and its WAIT must go to the
   * same target. With writes that wait for replicas these are connections of their own, so a
   * blocking WAIT never holds back reads, lease renewals or Watch polls.
   */
  CompletionStage<WriteTarget> writeTarget(int slot);

  /**
   * The write connection to the node at {@code hostAndPort} (as a MOVED reply names it), for a
   * write to follow its slot to a new master. Fails standalone, where nothing moves.
   */
  CompletionStage<WriteTarget> writeTargetAt(String hostAndPort);

  /** Asks for a fresh cluster topology (after a redirect or a failed write); no-op standalone. */
  void refreshTopology();

  /**
   * Every master (the standalone server, or each master of a cluster) ordered by id, with a
   * connection to it: for commands that must visit each one, such as SCAN.
   */
  CompletionStage<List<Master>> masters();

  /** {@code INFO section} of the standalone server, or of every master of a cluster. */
  CompletionStage<List<String>> infoOfMasters(String section);

  /** Extra readiness beyond PING: on a cluster, {@code cluster_state:ok}. */
  CompletionStage<Boolean> clusterHealthy();

  @Override
  void close();

  /**
   * A connection writes can be pipelined on and then waited for.
   *
   * @param id identifies the server (a cluster node id, or "standalone")
   * @param commands commands on that one connection
   */
  record WriteTarget(String id, RedisClusterAsyncCommands<String, String> commands) {}

  /**
   * A master and a connection to it.
   *
   * @param id a cluster node id, or "standalone"
   */
  record Master(String id, RedisClusterAsyncCommands<String, String> commands) {}
}
