package dev.counter.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.counter.server.store.StoreUnavailableException;
import io.lettuce.core.RedisURI;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** Which masters a cluster-wide listing scans: all of them, or none while a master is failing. */
class ClusterMastersTest {
  @Test
  void everyMasterThatIsUpIsListedWhenTogetherTheyOwnEverySlot() {
    List<RedisClusterNode> nodes = List.of(master("a", 0, 5460, false), master("b", 5461, 10922, false),
        master("c", 10923, 16383, false), replica("d"));
    assertThat(ClusterRedisGateway.mastersCoveringEverySlot(nodes)).extracting(RedisClusterNode::getNodeId)
        .containsExactly("a", "b", "c");
  }

  @Test
  void aFailingMasterThatStillOwnsSlotsMakesTheListingUnavailableInsteadOfShort() {
    List<RedisClusterNode> nodes = List.of(master("a", 0, 5460, true), master("b", 5461, 10922, false),
        master("c", 10923, 16383, false), replica("d"));
    assertThatThrownBy(() -> ClusterRedisGateway.mastersCoveringEverySlot(nodes))
        .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("10923 of 16384");
  }

  private static RedisClusterNode master(String id, int from, int to, boolean failing) {
    Set<RedisClusterNode.NodeFlag> flags = failing
        ? EnumSet.of(RedisClusterNode.NodeFlag.UPSTREAM, RedisClusterNode.NodeFlag.FAIL)
        : EnumSet.of(RedisClusterNode.NodeFlag.UPSTREAM);
    return new RedisClusterNode(RedisURI.create("redis://127.0.0.1:7000"), id, true, null, 0, 0, 0,
        IntStream.rangeClosed(from, to).boxed().toList(), flags);
  }

  private static RedisClusterNode replica(String id) {
    return new RedisClusterNode(RedisURI.create("redis://127.0.0.1:7001"), id, true, "a", 0, 0, 0, List.of(),
        EnumSet.of(RedisClusterNode.NodeFlag.REPLICA));
  }
}
