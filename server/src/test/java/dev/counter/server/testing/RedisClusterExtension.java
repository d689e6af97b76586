package dev.counter.server.testing;

import dev.counter.server.devredis.LocalRedisCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Starts a real Redis Cluster (3 masters, 1 replica each, on free loopback ports) before the tests
 * of a class and stops every node after them, by PID.
 */
public final class RedisClusterExtension implements BeforeAllCallback, AfterAllCallback {
  private final int masters;
  private final int replicasPerMaster;
  private Path dir;
  private LocalRedisCluster cluster;

  private RedisClusterExtension(int masters, int replicasPerMaster) {
    this.masters = masters;
    this.replicasPerMaster = replicasPerMaster;
  }

  /** Three masters with one replica each. */
  public static RedisClusterExtension threeMastersWithReplicas() {
    return new RedisClusterExtension(3, 1);
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("counter-cluster-it-");
    int nodes = masters * (1 + replicasPerMaster);
    cluster = LocalRedisCluster.start(RedisServerExtension.binary(), dir, masters, replicasPerMaster,
        LocalRedisCluster.freePorts(nodes), List.of("--save", "", "--appendonly", "no"));
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (cluster != null) {
      cluster.close();
    }
    RedisServerExtension.deleteRecursively(dir);
  }

  public LocalRedisCluster cluster() {
    return cluster;
  }

  /** The --redis-cluster value for this cluster. */
  public String seeds() {
    return cluster.seeds();
  }
}
