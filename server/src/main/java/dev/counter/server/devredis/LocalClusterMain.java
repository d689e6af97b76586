package dev.counter.server.devredis;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Starts a Redis Cluster on loopback and leaves it running, for {@code deploy/local/up.sh}:
 * redis-server from {@code --redis-server}, PATH or the bundled binary; nodes on consecutive
 * ports; the cluster formed without redis-cli. Writes {@code redis.pids} (one PID per line, to
 * stop exactly these processes) and {@code seeds} (the --redis-cluster value) into {@code --dir}.
 */
@Command(name = "local-cluster", mixinStandardHelpOptions = true,
    description = "Starts and forms a loopback Redis Cluster, then exits leaving it running.")
public final class LocalClusterMain implements Callable<Integer> {
  @Option(names = "--dir", required = true, description = "Working directory: node data, logs, redis.pids, seeds.")
  Path dir;

  @Option(names = "--masters", defaultValue = "3", description = "Masters (default: ${DEFAULT-VALUE}).")
  int masters;

  @Option(names = "--replicas", defaultValue = "1", description = "Replicas per master (default: ${DEFAULT-VALUE}).")
  int replicas;

  @Option(names = "--base-port", defaultValue = "7000",
      description = "First node's port; the others follow; bus ports are +10000 (default: ${DEFAULT-VALUE}).")
  int basePort;

  @Option(names = "--redis-server", description = "redis-server binary (default: PATH, else the bundled one).")
  String redisServer;

  public static void main(String[] args) {
    System.exit(new CommandLine(new LocalClusterMain()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    int nodes = masters * (1 + replicas);
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      int port = basePort + i;
      if (!RedisProcess.isFree(port) || !RedisProcess.isFree(port + 10_000)) {
        System.err.println("port " + port + " or its bus port " + (port + 10_000) + " is in use; pick --base-port");
        return 1;
      }
      ports.add(port);
    }
    Files.createDirectories(dir);
    LocalRedisCluster cluster = LocalRedisCluster.start(RedisBinary.locate(Optional.ofNullable(redisServer)), dir,
        masters, replicas, ports, List.of("--appendonly", "yes", "--appendfsync", "everysec", "--save", ""));
    StringBuilder pids = new StringBuilder();
    for (RedisProcess node : cluster.nodes()) {
      pids.append(node.pid()).append('\n');
    }
    Files.writeString(dir.resolve("redis.pids"), pids, StandardCharsets.UTF_8);
    Files.writeString(dir.resolve("seeds"), cluster.seeds() + "\n", StandardCharsets.UTF_8);
    System.out.println(cluster.seeds());
    return 0;
  }
}
