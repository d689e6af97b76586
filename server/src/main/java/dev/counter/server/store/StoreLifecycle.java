package dev.counter.server.store;

/** Starting and stopping whatever the store needs (connections, node id lease, a dev server). */
public interface StoreLifecycle extends AutoCloseable {
  /** Begins connecting in the background; never blocks on the store being reachable. */
  void start();

  /** This node's id (its shard in every counter), once known. */
  java.util.OptionalInt nodeId();

  /** Releases this node's resources in the store and closes connections. Call after the last write. */
  @Override
  void close();
}
