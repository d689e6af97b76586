package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.StoreProbe;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Ready when connected, holding a node id, and Redis answers PING (within the command timeout);
 * on a cluster, also when it reports {@code cluster_state:ok}.
 */
final class RedisProbe implements StoreProbe {
  private final RedisGateway redis;
  private final NodeIdentity node;

  RedisProbe(RedisGateway redis, NodeIdentity node) {
    this.redis = requireNonNull(redis, "redis is null");
    this.node = requireNonNull(node, "node is null");
  }

  @Override
  public CompletionStage<Boolean> probe() {
    if (node.current().isEmpty() || !redis.isConnected()) {
      return CompletableFuture.completedFuture(false);
    }
    try {
      return redis.async().ping()
          .handle((pong, error) -> error == null && "PONG".equals(pong))
          .thenCompose(pong -> pong ? redis.clusterHealthy().exceptionally(error -> false)
              : CompletableFuture.completedFuture(false));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(false);
    }
  }
}
