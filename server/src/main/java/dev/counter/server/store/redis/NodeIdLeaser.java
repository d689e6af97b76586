package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Leases the lowest free node id with {@code SET key token NX PX ttl}, renews it with a
 * compare-and-expire script every third of the ttl, and releases it with compare-and-delete.
 * Reusing freed ids keeps the number of shards per counter bounded by the peak number of live
 * nodes. If a lease is lost anyway (Redis unreachable for longer than the ttl), two nodes may
 * briefly share an id; counts stay correct because each write reads and adds to its shard
 * atomically.
 *
 * <p>Runs on the single maintenance thread; blocking there is fine.
 */
final class NodeIdLeaser {
  private static final Logger log = LoggerFactory.getLogger(NodeIdLeaser.class);
  private static final Duration RETRY = Duration.ofSeconds(1);

  private final RedisGateway redis;
  private final CounterKeys keys;
  private final NodeIdentity identity;
  private final ScheduledExecutorService maintenance;
  private final int maxNodeId;
  private final java.util.OptionalInt pinned;
  private final Duration ttl;
  private final Duration commandTimeout;
  private final String holder = UUID.randomUUID().toString();
  private final LuaScript renewScript = LuaScript.load("lease-renew");
  private final LuaScript releaseScript = LuaScript.load("lease-release");
  private volatile int leased = -1;
  private volatile ScheduledFuture<?> renewal;

  NodeIdLeaser(RedisGateway redis, CounterKeys keys, NodeIdentity identity, ScheduledExecutorService maintenance,
      int maxNodeId, java.util.OptionalInt pinned, Duration ttl, Duration commandTimeout) {
    this.redis = requireNonNull(redis, "redis is null");
    this.keys = requireNonNull(keys, "keys is null");
    this.identity = requireNonNull(identity, "identity is null");
    this.maintenance = requireNonNull(maintenance, "maintenance is null");
    this.maxNodeId = maxNodeId;
    this.pinned = requireNonNull(pinned, "pinned is null");
    this.ttl = requireNonNull(ttl, "ttl is null");
    this.commandTimeout = requireNonNull(commandTimeout, "commandTimeout is null");
  }

  /**
   * Tries to lease an id now and keeps trying every second until it succeeds. A pinned id is
   * leased as well, so that leasing nodes skip it, and used after the first attempt whether or
   * not another process holds it.
   */
  void start() {
    maintenance.execute(this::acquire);
  }

  private void acquire() {
    try {
      RedisClusterAsyncCommands<String, String> commands = redis.async();
      SetArgs setArgs = SetArgs.Builder.nx().px(ttl.toMillis());
      int first = pinned.orElse(0);
      int last = pinned.orElse(maxNodeId);
      for (int id = first; id <= last; id++) {
        if ("OK".equals(await(commands.set(keys.nodeLease(id), holder, setArgs)))) {
          leased = id;
          identity.set(id);
          long period = Math.max(1, ttl.toMillis() / 3);
          renewal = maintenance.scheduleWithFixedDelay(this::renew, period, period, TimeUnit.MILLISECONDS);
          log.info("leased node id {} (lease {} renewed every {} ms)", id, keys.nodeLease(id), period);
          return;
        }
      }
      if (pinned.isPresent()) {
        identity.set(first);
        log.warn("pinned node id {} is also leased by another process; counts stay correct, retrying the lease",
            first);
      } else {
        log.error("every node id from 0 to {} is leased by another node; raise --max-node-id", maxNodeId);
      }
    } catch (RuntimeException e) {
      log.warn("cannot lease a node id yet: {}", e.getMessage());
    }
    maintenance.schedule(this::acquire, RETRY.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void renew() {
    int id = leased;
    String key = keys.nodeLease(id);
    try {
      Long renewed = await(renewScript.run(redis.async(), ScriptOutputType.INTEGER,
          new String[] {key}, holder, Long.toString(ttl.toMillis())));
      if (renewed != null && renewed == 1L) {
        return;
      }
      String retaken = await(redis.async().set(key, holder, SetArgs.Builder.nx().px(ttl.toMillis())));
      if ("OK".equals(retaken)) {
        log.warn("node id {} lease had expired; leased it again", id);
      } else {
        log.error("node id {} is now also leased by another process; counts stay correct, but restart one of "
            + "the two to keep shards per counter bounded", id);
      }
    } catch (RuntimeException e) {
      log.warn("cannot renew the lease of node id {}: {}", id, e.getMessage());
    }
  }

  /** Releases the lease if this process still holds it. Safe to call when nothing was leased. */
  void release() {
    ScheduledFuture<?> current = renewal;
    if (current != null) {
      current.cancel(false);
    }
    int id = leased;
    if (id < 0) {
      return;
    }
    try {
      Long released = await(releaseScript.run(redis.async(), ScriptOutputType.INTEGER,
          new String[] {keys.nodeLease(id)}, holder));
      log.info(released != null && released == 1L ? "released node id {}" : "node id {} was no longer ours to release", id);
    } catch (RuntimeException e) {
      log.warn("cannot release node id {} ({}); it frees itself after {}", id, e.getMessage(), ttl);
    }
  }

  private <T> T await(java.util.concurrent.CompletionStage<T> stage) {
    try {
      return stage.toCompletableFuture().get(commandTimeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Redis did not answer within " + commandTimeout, e);
    }
  }
}
