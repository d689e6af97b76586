package dev.counter.server.store.redis;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.common.hash.Hashing;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.cluster.api.async.RedisClusterAsyncCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * A Lua script from the classpath, run with EVALSHA. When Redis answers NOSCRIPT (after a restart,
 * a failover or SCRIPT FLUSH) it is sent once with EVAL, which also caches it again. NOSCRIPT
 * means the script did not run, so the second send cannot apply anything twice.
 */
final class LuaScript {
  private final String name;
  private final String body;
  private final String sha1;

  private LuaScript(String name, String body) {
    this.name = name;
    this.body = body;
    @SuppressWarnings("deprecation") // SHA-1 is what Redis names scripts by, not a security choice
    String digest = Hashing.sha1().hashString(body, UTF_8).toString();
    this.sha1 = digest;
  }

  /** Loads {@code <name>.lua} from this package. */
  static LuaScript load(String name) {
    String resource = name + ".lua";
    try (InputStream in = LuaScript.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing script resource " + resource);
      }
      return new LuaScript(name, new String(in.readAllBytes(), UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  <T> CompletionStage<T> run(
      RedisClusterAsyncCommands<String, String> redis, ScriptOutputType type, String[] keys, String... args) {
    CompletionStage<T> first = redis.evalsha(sha1, type, keys, args);
    return first.handle((result, error) -> {
          if (error == null) {
            return CompletableFuture.completedFuture(result);
          }
          Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
          if (cause instanceof RedisNoScriptException) {
            return redis.<T>eval(body, type, keys, args).toCompletableFuture();
          }
          return CompletableFuture.<T>failedFuture(cause);
        })
        .thenCompose(stage -> stage);
  }

  @Override
  public String toString() {
    return name + ".lua(" + sha1 + ")";
  }
}
