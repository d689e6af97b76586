package dev.counter.server.devredis;

import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * A Redis Cluster of child processes on loopback: {@code masters} masters, each with
 * {@code replicasPerMaster} replicas, formed with CLUSTER MEET / ADDSLOTS / REPLICATE (no
 * redis-cli needed). Used by the tests and by {@code deploy/local/up.sh}.
 */
public final class LocalRedisCluster implements AutoCloseable {
  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(60);
  private static final int SLOTS = 16384;

  private final Path binary;
  private final List<String> nodeArgs;
  private final List<RedisProcess> nodes;

  private LocalRedisCluster(Path binary, List<String> nodeArgs, List<RedisProcess> nodes) {
    this.binary = binary;
    this.nodeArgs = nodeArgs;
    this.nodes = new java.util.concurrent.CopyOnWriteArrayList<>(nodes);
  }

  /**
   * Starts and forms the cluster.
   *
   * @param ports the client port of each node, masters first ({@code port + 10000} is its bus port)
   * @param extraArgs more redis-server config for every node (persistence, say)
   */
  public static LocalRedisCluster start(Path binary, Path dir, int masters, int replicasPerMaster, List<Integer> ports,
      List<String> extraArgs) {
    int total = masters * (1 + replicasPerMaster);
    if (ports.size() != total) {
      throw new IllegalArgumentException("need " + total + " ports, got " + ports.size());
    }
    List<String> args = new ArrayList<>(List.of(
        "--cluster-enabled", "yes",
        "--cluster-config-file", "nodes.conf",
        "--cluster-node-timeout", "1000",
        // Any replica may take over, however long it was cut off: tests kill masters at will.
        "--cluster-replica-validity-factor", "0"));
    args.addAll(extraArgs);
    List<RedisProcess> started = new ArrayList<>();
    try {
      for (int port : ports) {
        started.add(RedisProcess.start(binary, port, dir.resolve("node-" + port), args));
      }
      LocalRedisCluster cluster = new LocalRedisCluster(binary, List.copyOf(args), started);
      cluster.form(masters, replicasPerMaster);
      return cluster;
    } catch (RuntimeException e) {
      started.forEach(RedisProcess::kill);
      throw e;
    }
  }

  /** {@code count} ports that are free on 127.0.0.1 together with their cluster bus ports (+10000). */
  public static List<Integer> freePorts(int count) {
    List<Integer> ports = new ArrayList<>();
    while (ports.size() < count) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 45_000);
      if (!ports.contains(port) && RedisProcess.isFree(port) && RedisProcess.isFree(port + 10_000)) {
        ports.add(port);
      }
    }
    return ports;
  }

  private void form(int masters, int replicasPerMaster) {
    RedisClient client = RedisClient.create();
    List<StatefulRedisConnection<String, String>> connections = new ArrayList<>();
    try {
      List<RedisCommands<String, String>> commands = new ArrayList<>();
      for (RedisProcess node : nodes) {
        StatefulRedisConnection<String, String> connection =
            client.connect(RedisURI.create("127.0.0.1", node.port()));
        connections.add(connection);
        commands.add(connection.sync());
      }
      List<String> ids = new ArrayList<>();
      for (RedisCommands<String, String> node : commands) {
        ids.add(node.clusterMyId());
      }
      for (int i = 1; i < nodes.size(); i++) {
        commands.get(0).clusterMeet("127.0.0.1", nodes.get(i).port());
      }
      await("every node to know every other", () -> commands.stream()
          .allMatch(node -> node.clusterNodes().lines().count() == nodes.size()));
      for (int m = 0; m < masters; m++) {
        int from = m * SLOTS / masters;
        int to = (m + 1) * SLOTS / masters;
        int[] slots = new int[to - from];
        for (int slot = from; slot < to; slot++) {
          slots[slot - from] = slot;
        }
        commands.get(m).clusterAddSlots(slots);
      }
      for (int r = 0; r < masters * replicasPerMaster; r++) {
        String masterId = ids.get(r % masters);
        RedisCommands<String, String> replica = commands.get(masters + r);
        await("a replica to see its master", () -> replica.clusterNodes().contains(masterId));
        replica.clusterReplicate(masterId);
      }
      await("cluster_state:ok on every node", () -> commands.stream()
          .allMatch(node -> node.clusterInfo().contains("cluster_state:ok")));
      await("every replica in sync", () -> commands.subList(masters, commands.size()).stream()
          .allMatch(node -> node.info("replication").contains("master_link_status:up")));
    } finally {
      connections.forEach(StatefulRedisConnection::close);
      client.shutdown();
    }
  }

  private static void await(String what, BooleanSupplier condition) {
    long deadline = System.nanoTime() + FORM_TIMEOUT.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out after " + FORM_TIMEOUT + " waiting for " + what);
      }
      // Cluster gossip has no completion callback; polled with a bound.
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }

  /** Every node, masters first as they were formed (roles may have changed since by failover). */
  public List<RedisProcess> nodes() {
    return nodes;
  }

  /** {@code redis://127.0.0.1:port,...} for every node, the form --redis-cluster takes. */
  public String seeds() {
    StringBuilder seeds = new StringBuilder();
    for (RedisProcess node : nodes) {
      seeds.append(seeds.length() == 0 ? "" : ",").append(node.uri());
    }
    return seeds.toString();
  }

  /** The running node that is currently master of {@code slot}, asking the cluster itself. */
  public Optional<RedisProcess> masterOf(int slot) {
    RedisClient client = RedisClient.create();
    try {
      for (RedisProcess node : nodes) {
        if (!node.isAlive()) {
          continue;
        }
        try (StatefulRedisConnection<String, String> connection =
            client.connect(RedisURI.create("127.0.0.1", node.port()))) {
          for (String line : connection.sync().clusterNodes().lines().toList()) {
            String[] fields = line.split(" ");
            if (!fields[2].contains("master") || fields[2].contains("fail")) {
              continue;
            }
            for (int f = 8; f < fields.length; f++) {
              String[] range = fields[f].split("-");
              if (range[0].startsWith("[")) {
                continue;
              }
              int from = Integer.parseInt(range[0]);
              int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
              if (slot >= from && slot <= to) {
                int port = Integer.parseInt(fields[1].substring(fields[1].indexOf(':') + 1, fields[1].indexOf('@')));
                return nodes.stream().filter(n -> n.port() == port).findFirst();
              }
            }
          }
          return Optional.empty();
        } catch (RuntimeException unreachable) {
          // ask the next node
        }
      }
      return Optional.empty();
    } finally {
      client.shutdown();
    }
  }

  @Override
  public void close() {
    for (RedisProcess node : nodes) {
      node.stop();
    }
  }

  /**
   * Starts a stopped or killed node again on its port and directory; its nodes.conf makes it
   * rejoin the cluster (as a replica of whoever took over its slots).
   */
  public RedisProcess restart(RedisProcess node) {
    if (node.isAlive()) {
      node.stop();
    }
    RedisProcess restarted = RedisProcess.start(binary, node.port(), node.dir(), nodeArgs);
    nodes.set(nodes.indexOf(node), restarted);
    return restarted;
  }

  /** The process of the node on {@code port}. */
  public RedisProcess node(int port) {
    return nodes.stream().filter(node -> node.port() == port).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("no node on port " + port));
  }
}
