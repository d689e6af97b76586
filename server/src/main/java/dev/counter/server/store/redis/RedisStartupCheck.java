package dev.counter.server.store.redis;

import static java.util.Objects.requireNonNull;

import dev.counter.server.config.ConfigurationException;
import io.lettuce.core.ClientOptions;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisURI;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.resource.ClientResources;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One look at the configured Redis before the node starts, to tell a configuration mistake from
 * an outage. Redis refusing the password, {@code --redis} pointing at a Redis Cluster node, or
 * {@code --redis-cluster} at a Redis without cluster mode would otherwise be retried forever as
 * "Unable to connect"; they become a {@link ConfigurationException} naming the flag. A Redis that
 * does not answer is not a mistake: the node starts NOT_SERVING and keeps connecting, as before.
 */
final class RedisStartupCheck {
  private static final Logger log = LoggerFactory.getLogger(RedisStartupCheck.class);
  /** Error replies (prefixes) that mean the credentials are wrong or missing. */
  private static final List<String> AUTH_ERRORS = List.of("WRONGPASS", "NOAUTH", "ERR invalid password",
      "ERR invalid username-password pair", "ERR AUTH", "ERR Client sent AUTH, but no password is set");

  private final ClientResources resources;
  private final ClientOptions options;
  private final List<RedisURI> uris;
  private final boolean cluster;

  /**
   * @param uris the standalone URI, or the cluster seeds
   * @param cluster whether they were given as --redis-cluster
   */
  RedisStartupCheck(ClientResources resources, ClientOptions options, List<RedisURI> uris, boolean cluster) {
    this.resources = requireNonNull(resources, "resources is null");
    this.options = requireNonNull(options, "options is null");
    this.uris = List.copyOf(uris);
    this.cluster = cluster;
  }

  /**
   * Connects to the first URI that answers and checks its password and cluster mode.
   *
   * @throws ConfigurationException for a configuration mistake
   */
  void run() {
    for (RedisURI uri : uris) {
      RedisClient client = RedisClient.create(resources, uri);
      client.setOptions(options);
      try (StatefulRedisConnection<String, String> connection = client.connect(StringCodec.UTF8, uri)) {
        checkClusterMode(uri, connection.sync().info("cluster"));
        return;
      } catch (ConfigurationException e) {
        throw e;
      } catch (RuntimeException e) {
        String reply = authError(e);
        if (reply != null) {
          throw new ConfigurationException("Redis at " + RedisUris.describe(uri) + " refused the credentials ("
              + reply + "); check the user name and password in " + flag() + " (" + flagVariable() + ")");
        }
        log.debug("startup check of {} failed: {}", RedisUris.describe(uri), e.toString());
      } finally {
        // The resources are shared with the node's own client: only this client's connections close.
        client.shutdown(java.time.Duration.ZERO, java.time.Duration.ofSeconds(1));
      }
    }
    // No Redis answered: an outage, not a mistake. The node keeps connecting in the background.
  }

  private void checkClusterMode(RedisURI uri, String clusterInfo) {
    boolean enabled = clusterInfo != null && clusterInfo.contains("cluster_enabled:1");
    if (cluster && !enabled) {
      throw new ConfigurationException("--redis-cluster names " + RedisUris.describe(uri)
          + ", a Redis without cluster mode (cluster_enabled:0); use --redis (COUNTER_REDIS) for a single Redis");
    }
    if (!cluster && enabled) {
      throw new ConfigurationException("--redis names " + RedisUris.describe(uri)
          + ", a Redis Cluster node (cluster_enabled:1); use --redis-cluster (COUNTER_REDIS_CLUSTER) with its nodes");
    }
  }

  /** The error reply that refused the credentials, if that is why the connection failed. */
  private static String authError(Throwable error) {
    for (Throwable cause = error; cause != null; cause = cause.getCause() == cause ? null : cause.getCause()) {
      String message = cause.getMessage();
      if (message != null) {
        for (String prefix : AUTH_ERRORS) {
          if (message.startsWith(prefix)) {
            return message.lines().findFirst().orElse(message);
          }
        }
      }
    }
    return null;
  }

  private String flag() {
    return cluster ? "--redis-cluster" : "--redis";
  }

  private String flagVariable() {
    return cluster ? "COUNTER_REDIS_CLUSTER" : "COUNTER_REDIS";
  }
}
