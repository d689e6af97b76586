package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.StoreUnavailableException;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.RedisCommand;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A standalone Redis (or the master a Sentinel names): one pipelined connection for everything,
 * plus, when writes wait for replicas, a second one for writes so that a blocking WAIT never
 * holds reads back. The first connection is retried in the background until it succeeds, so a
 * node can start while Redis is still coming up and report NOT_SERVING meanwhile.
 */
final class StandaloneRedisGateway implements RedisGateway {
  private static final Logger log = LoggerFactory.getLogger(StandaloneRedisGateway.class);
  private static final Duration MAX_CONNECT_BACKOFF = Duration.ofSeconds(2);

  private final RedisClient client;
  private final RedisURI uri;
  private final ScheduledExecutorService maintenance;
  private final boolean separateWriteConnection;
  private volatile StatefulRedisConnection<String, String> connection;
  private volatile StatefulRedisConnection<String, String> writeConnection;
  private volatile boolean closed;

  /**
   * @param separateWriteConnection true when writes are followed by WAIT (which blocks its
   *     connection until replicas acknowledge)
   */
  StandaloneRedisGateway(RedisClient client, RedisURI uri, ScheduledExecutorService maintenance,
      boolean separateWriteConnection) {
    this.client = requireNonNull(client, "client is null");
    this.uri = requireNonNull(uri, "uri is null");
    this.maintenance = requireNonNull(maintenance, "maintenance is null");
    this.separateWriteConnection = separateWriteConnection;
  }

  @Override
  public void start(Runnable onConnected) {
    maintenance.execute(() -> connect(onConnected, 0));
  }

  private void connect(Runnable onConnected, int attempt) {
    if (closed) {
      return;
    }
    try {
      StatefulRedisConnection<String, String> main = client.connect(StringCodec.UTF8, uri);
      try {
        writeConnection = separateWriteConnection ? client.connect(StringCodec.UTF8, uri) : main;
      } catch (RuntimeException e) {
        main.close();
        throw e;
      }
      connection = main;
      log.info("connected to Redis at {}", RedisUris.describe(uri));
      onConnected.run();
    } catch (RuntimeException e) {
      long delay = Math.min(MAX_CONNECT_BACKOFF.toMillis(), 100L << Math.min(attempt, 5));
      if (attempt % 10 == 0) {
        log.warn("cannot connect to Redis at {} ({}); retrying every {} ms",
            RedisUris.describe(uri), e.getMessage(), MAX_CONNECT_BACKOFF.toMillis());
      }
      if (!closed) {
        maintenance.schedule(() -> connect(onConnected, attempt + 1), delay, TimeUnit.MILLISECONDS);
      }
    }
  }

  @Override
  public RedisClusterAsyncCommands<String, String> async() {
    return require(connection).async();
  }

  @Override
  public void dispatch(List<? extends RedisCommand<String, String, ?>> commands) {
    require(connection).dispatch(commands);
  }

  @Override
  public boolean isConnected() {
    StatefulRedisConnection<String, String> current = connection;
    return current != null && current.isOpen();
  }

  @Override
  public boolean isCluster() {
    return false;
  }

  @Override
  public int laneOf(int slot) {
    return 0;
  }

  @Override
  public int laneCount() {
    return 1;
  }

  @Override
  public CompletionStage<WriteTarget> writeTarget(int slot) {
    try {
      return CompletableFuture.completedFuture(new WriteTarget("standalone", require(writeConnection).async()));
    } catch (StoreUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<WriteTarget> writeTargetAt(String hostAndPort) {
    return CompletableFuture.failedFuture(new StoreUnavailableException(
        "a standalone Redis redirected a write to " + hostAndPort + "; is --redis pointing at a cluster node?"));
  }

  @Override
  public void refreshTopology() {}

  @Override
  public CompletionStage<List<Master>> masters() {
    try {
      return CompletableFuture.completedFuture(List.of(new Master("standalone", require(connection).async())));
    } catch (StoreUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<List<String>> infoOfMasters(String section) {
    try {
      return require(connection).async().info(section).thenApply(List::of);
    } catch (StoreUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  @Override
  public CompletionStage<Boolean> clusterHealthy() {
    return CompletableFuture.completedFuture(true);
  }

  private static StatefulRedisConnection<String, String> require(StatefulRedisConnection<String, String> current) {
    if (current == null) {
      throw new StoreUnavailableException("not connected to Redis yet");
    }
    return current;
  }

  @Override
  public void close() {
    closed = true;
    StatefulRedisConnection<String, String> main = connection;
    StatefulRedisConnection<String, String> writes = writeConnection;
    if (writes != null && writes != main) {
      writes.close();
    }
    if (main != null) {
      main.close();
    }
  }
}
