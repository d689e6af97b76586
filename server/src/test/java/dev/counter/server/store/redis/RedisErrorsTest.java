package dev.counter.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.store.StoreUnavailableException;
import io.lettuce.core.RedisCommandExecutionException;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

class RedisErrorsTest {
  @Test
  void repliesOfAFailoverOrAStuckDiskAreOutages() {
    for (String reply : new String[] {
        "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)",
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.",
        "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is "
            + "configured to be writable (which is not the default) writes to replicas are just local and are not "
            + "propagated.",
        "TRYAGAIN Multiple keys request during rehashing of slot",
        "READONLY You can't write against a read only replica."}) {
      assertThat(RedisErrors.classify(new CompletionException(new RedisCommandExecutionException(reply))))
          .as(reply).isInstanceOf(StoreUnavailableException.class);
    }
  }

  @Test
  void aScriptErrorIsOurBugNotAnOutage() {
    assertThat(RedisErrors.classify(new RedisCommandExecutionException("ERR user_script:12: attempt to index nil")))
        .isInstanceOf(IllegalStateException.class);
  }
}
