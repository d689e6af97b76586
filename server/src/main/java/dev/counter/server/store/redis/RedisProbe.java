package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.store.StoreProbe;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ready when connected, holding a node id, Redis answers PING (within the command timeout), on a
 * cluster reports {@code cluster_state:ok}, and every master runs {@code maxmemory-policy
 * noeviction}. Any other policy lets Redis evict keys when memory runs short: {@code volatile-*}
 * ones evict the keys that carry a TTL (idempotency records, write tokens, node id leases, and
 * counters with an idle expiry), breaking exactly-once; {@code allkeys-*} ones evict counters
 * too. The node refuses to serve on such a Redis rather than count wrong.
 */
final class RedisProbe implements StoreProbe {
  private static final Logger log = LoggerFactory.getLogger(RedisProbe.class);
  static final String SAFE_POLICY = "noeviction";

  private final RedisGateway redis;
  private final NodeIdentity node;
  private volatile boolean policyUnknownLogged;
  /** 1 when every master was last seen with noeviction, 0 when one was not, -1 before the first look. */
  private volatile int evictionSafe = -1;

  RedisProbe(RedisGateway redis, NodeIdentity node) {
    this.redis = requireNonNull(redis, "redis is null");
    this.node = requireNonNull(node, "node is null");
  }

  @Override
  public CompletionStage<Optional<String>> probe() {
    if (!redis.isConnected()) {
      return CompletableFuture.completedFuture(Optional.of("this node is not connected to Redis"));
    }
    if (node.current().isEmpty()) {
      return CompletableFuture.completedFuture(Optional.of("this node has not leased a node id from Redis yet"));
    }
    try {
      return redis.async().ping()
          .handle((pong, error) -> error == null && "PONG".equals(pong))
          .thenCompose(pong -> pong ? redis.clusterHealthy().exceptionally(error -> false)
              : CompletableFuture.completedFuture(false))
          .thenCompose(healthy -> healthy ? evictionProblem()
              : CompletableFuture.completedFuture(Optional.of("Redis is not answering")));
    } catch (RuntimeException e) {
      return CompletableFuture.completedFuture(Optional.of("Redis is not answering"));
    }
  }

  /** 1 when every master runs noeviction, 0 when one does not, -1 until known (a gauge). */
  int evictionSafe() {
    return evictionSafe;
  }

  private CompletionStage<Optional<String>> evictionProblem() {
    return redis.infoOfMasters("memory").handle((infos, error) -> {
      if (error != null) {
        if (!policyUnknownLogged) {
          policyUnknownLogged = true;
          log.warn("cannot read maxmemory-policy from Redis (INFO memory: {}); make sure it is noeviction",
              error.toString());
        }
        return Optional.empty();
      }
      for (String info : infos) {
        String policy = policy(info);
        if (policy != null && !SAFE_POLICY.equals(policy)) {
          evictionSafe = 0;
          return Optional.of("Redis runs maxmemory-policy " + policy + ", which can evict counters or idempotency "
              + "records and break exactly-once; set maxmemory-policy noeviction (this node serves no calls until then)");
        }
      }
      evictionSafe = 1;
      return Optional.empty();
    });
  }

  /** The maxmemory_policy line of INFO memory, or null. */
  static String policy(String info) {
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("maxmemory_policy:")) {
        return line.substring("maxmemory_policy:".length()).trim();
      }
    }
    return null;
  }
}
