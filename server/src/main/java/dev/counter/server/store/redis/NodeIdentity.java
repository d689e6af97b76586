package dev.counter.server.store.redis;

import dev.counter.server.store.StoreUnavailableException;
import java.util.Optional;

/**
 * This node's id: the field it owns in every counter hash. Unknown until leased (or pinned with
 * {@code --node-id}); writes fail as unavailable until then. Thread-safe.
 */
public final class NodeIdentity {
  private volatile String id;

  /** The id, or empty while it is not known yet. */
  public Optional<String> current() {
    return Optional.ofNullable(id);
  }

  /** The id, or {@link StoreUnavailableException} while it is not known yet. */
  public String require() {
    String current = id;
    if (current == null) {
      throw new StoreUnavailableException("this node has not leased a node id yet (waiting for Redis)");
    }
    return current;
  }

  void set(int nodeId) {
    this.id = Integer.toString(nodeId);
  }
}
