package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.StoreUnavailableException;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.protocol.RedisCommand;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Redis Cluster through Lettuce's cluster client: commands are routed by slot (MOVED and ASK
 * are followed by Lettuce), the topology is refreshed periodically and on redirects, reconnects
 * and unknown nodes. Lanes are per master, numbered in the order masters are first seen.
 *
 * <p>Lettuce opens the connection to each node lazily, and with REJECT_COMMANDS (which keeps
 * writes at most once) it rejects commands that wait for such a connection. The connections to
 * every master are therefore opened before the node reports ready, and again whenever the
 * topology changes (a promoted replica is a new master).
 */
final class ClusterRedisGateway implements RedisGateway {
  private static final Logger log = LoggerFactory.getLogger(ClusterRedisGateway.class);
  private static final Duration MAX_CONNECT_BACKOFF = Duration.ofSeconds(2);
  /** Lanes beyond this are shared (modulo): far more masters than any cluster runs. */
  static final int MAX_LANES = 256;

  private final RedisClusterClient client;
  private final ScheduledExecutorService maintenance;
  private final Duration connectTimeout;
  private final boolean separateWriteConnection;
  private final Map<String, Integer> laneByMaster = new ConcurrentHashMap<>();
  private final AtomicInteger nextLane = new AtomicInteger();
  private volatile StatefulRedisClusterConnection<String, String> connection;
  /** Writes followed by WAIT go over this connection's node connections; else the main one's. */
  private volatile StatefulRedisClusterConnection<String, String> writeConnection;
  private volatile reactor.core.Disposable topologyListener;
  private volatile boolean closed;

  /**
   * @param separateWriteConnection true when writes are followed by WAIT, which blocks the
   *     connection it is sent on until replicas acknowledge
   */
  ClusterRedisGateway(RedisClusterClient client, ScheduledExecutorService maintenance, Duration connectTimeout,
      boolean separateWriteConnection) {
    this.client = requireNonNull(client, "client is null");
    this.maintenance = requireNonNull(maintenance, "maintenance is null");
    this.connectTimeout = requireNonNull(connectTimeout, "connectTimeout is null");
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
      StatefulRedisClusterConnection<String, String> connected = client.connect(StringCodec.UTF8);
      StatefulRedisClusterConnection<String, String> writes;
      try {
        writes = separateWriteConnection ? client.connect(StringCodec.UTF8) : connected;
      } catch (RuntimeException e) {
        connected.close();
        throw e;
      }
      topologyListener = client.getResources().eventBus().get()
          .filter(event -> event instanceof io.lettuce.core.cluster.event.ClusterTopologyChangedEvent)
          .subscribe(event -> {
            connectToMasters(connected);
            if (writes != connected) {
              connectToMasters(writes);
            }
          });
      try {
        CompletableFuture.allOf(connectToMasters(connected), connectToMasters(writes))
            .get(connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        log.warn("not every Redis Cluster master is reachable yet: {}", e.toString());
      }
      writeConnection = writes;
      connection = connected;
      log.info("connected to Redis Cluster ({} masters)", connected.getPartitions().stream()
          .filter(node -> node.is(RedisClusterNode.NodeFlag.UPSTREAM)).count());
      onConnected.run();
    } catch (RuntimeException e) {
      long delay = Math.min(MAX_CONNECT_BACKOFF.toMillis(), 100L << Math.min(attempt, 5));
      if (attempt % 10 == 0) {
        log.warn("cannot connect to Redis Cluster ({}); retrying every {} ms", e.getMessage(),
            MAX_CONNECT_BACKOFF.toMillis());
      }
      if (!closed) {
        maintenance.schedule(() -> connect(onConnected, attempt + 1), delay, TimeUnit.MILLISECONDS);
      }
    }
  }

  /** Opens (or reuses) the connection to every master, the same ones slot routing uses. */
  private static CompletableFuture<Void> connectToMasters(StatefulRedisClusterConnection<String, String> cluster) {
    List<CompletableFuture<?>> opening = new ArrayList<>();
    for (RedisClusterNode node : cluster.getPartitions()) {
      if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.is(RedisClusterNode.NodeFlag.FAIL)) {
        opening.add(cluster.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort()));
      }
    }
    return CompletableFuture.allOf(opening.toArray(CompletableFuture<?>[]::new));
  }

  private StatefulRedisClusterConnection<String, String> require() {
    StatefulRedisClusterConnection<String, String> current = connection;
    if (current == null) {
      throw new StoreUnavailableException("not connected to Redis Cluster yet");
    }
    return current;
  }

  @Override
  public RedisClusterAsyncCommands<String, String> async() {
    return require().async();
  }

  @Override
  public void dispatch(List<? extends RedisCommand<String, String, ?>> commands) {
    // Lettuce routes each command to its slot's node; commands for one node share its connection.
    require().dispatch(commands);
  }

  @Override
  public boolean isConnected() {
    StatefulRedisClusterConnection<String, String> current = connection;
    return current != null && current.isOpen();
  }

  @Override
  public boolean isCluster() {
    return true;
  }

  @Override
  public int laneOf(int slot) {
    StatefulRedisClusterConnection<String, String> current = connection;
    RedisClusterNode master = current == null ? null : current.getPartitions().getMasterBySlot(slot);
    if (master == null) {
      return 0;
    }
    return laneByMaster.computeIfAbsent(master.getNodeId(), id -> nextLane.getAndIncrement() % MAX_LANES);
  }

  @Override
  public int laneCount() {
    return MAX_LANES;
  }

  @Override
  public CompletionStage<WriteTarget> writeTarget(int slot) {
    StatefulRedisClusterConnection<String, String> current;
    try {
      current = require();
    } catch (StoreUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    RedisClusterNode master = current.getPartitions().getMasterBySlot(slot);
    if (master == null) {
      refreshTopology();
      return CompletableFuture.failedFuture(new StoreUnavailableException("no master serves slot " + slot));
    }
    // By host and port: the connection slot routing uses, already open.
    return writeConnection.getConnectionAsync(master.getUri().getHost(), master.getUri().getPort())
        .thenApply(node -> new WriteTarget(master.getNodeId(), node.async()));
  }

  @Override
  public CompletionStage<WriteTarget> writeTargetAt(String hostAndPort) {
    StatefulRedisClusterConnection<String, String> writes = writeConnection;
    int colon = hostAndPort.lastIndexOf(':');
    if (writes == null || colon < 0) {
      return CompletableFuture.failedFuture(new StoreUnavailableException("cannot write to " + hostAndPort));
    }
    String host = hostAndPort.substring(0, colon);
    int port;
    try {
      port = Integer.parseInt(hostAndPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      return CompletableFuture.failedFuture(new StoreUnavailableException("cannot write to " + hostAndPort));
    }
    return writes.getConnectionAsync(host, port).thenApply(node -> new WriteTarget(hostAndPort, node.async()));
  }

  @Override
  public void refreshTopology() {
    if (connection != null && !client.isTopologyRefreshInProgress()) {
      client.refreshPartitionsAsync();
    }
  }

  @Override
  public CompletionStage<List<Master>> masters() {
    StatefulRedisClusterConnection<String, String> current;
    try {
      current = require();
    } catch (StoreUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<RedisClusterNode> nodes;
    try {
      nodes = mastersCoveringEverySlot(current.getPartitions());
    } catch (StoreUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    nodes.sort(java.util.Comparator.comparing(RedisClusterNode::getNodeId));
    List<CompletableFuture<Master>> masters = new ArrayList<>();
    for (RedisClusterNode node : nodes) {
      masters.add(current.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort())
          .thenApply(connection -> new Master(node.getNodeId(), connection.async())).toCompletableFuture());
    }
    return CompletableFuture.allOf(masters.toArray(CompletableFuture<?>[]::new))
        .thenApply(ignored -> masters.stream().map(CompletableFuture::join).toList());
  }

  /**
   * The masters that are up, when together they own every slot; else StoreUnavailableException: a
   * listing without a failing master's slots would end "complete" while missing its counters.
   */
  static List<RedisClusterNode> mastersCoveringEverySlot(Iterable<RedisClusterNode> partitions) {
    List<RedisClusterNode> nodes = new ArrayList<>();
    java.util.BitSet covered = new java.util.BitSet(SlotHash.SLOT_COUNT);
    for (RedisClusterNode node : partitions) {
      if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.is(RedisClusterNode.NodeFlag.FAIL)) {
        nodes.add(node);
        node.getSlots().forEach(covered::set);
      }
    }
    if (covered.cardinality() < SlotHash.SLOT_COUNT) {
      throw new StoreUnavailableException("only " + covered.cardinality() + " of " + SlotHash.SLOT_COUNT
          + " Redis Cluster slots have a master that is up (a master is failing and no replica has taken over yet)");
    }
    return nodes;
  }

  @Override
  public CompletionStage<List<String>> infoOfMasters(String section) {
    StatefulRedisClusterConnection<String, String> current;
    try {
      current = require();
    } catch (StoreUnavailableException e) {
      return CompletableFuture.failedFuture(e);
    }
    List<CompletableFuture<String>> infos = new ArrayList<>();
    for (RedisClusterNode node : current.getPartitions()) {
      if (node.is(RedisClusterNode.NodeFlag.UPSTREAM) && !node.is(RedisClusterNode.NodeFlag.FAIL)) {
        infos.add(current.getConnectionAsync(node.getUri().getHost(), node.getUri().getPort())
            .thenCompose(connection -> connection.async().info(section)).toCompletableFuture());
      }
    }
    return CompletableFuture.allOf(infos.toArray(CompletableFuture<?>[]::new))
        .thenApply(ignored -> infos.stream().map(CompletableFuture::join).toList());
  }

  @Override
  public CompletionStage<Boolean> clusterHealthy() {
    try {
      return require().async().clusterInfo().thenApply(info -> info.contains("cluster_state:ok"));
    } catch (StoreUnavailableException e) {
      return CompletableFuture.completedFuture(false);
    }
  }

  @Override
  public void close() {
    closed = true;
    reactor.core.Disposable listener = topologyListener;
    if (listener != null) {
      listener.dispose();
    }
    StatefulRedisClusterConnection<String, String> current = connection;
    StatefulRedisClusterConnection<String, String> writes = writeConnection;
    if (writes != null && writes != current) {
      writes.close();
    }
    if (current != null) {
      current.close();
    }
  }
}
