package dev.counter.server.store;

import static java.util.Objects.requireNonNull;

import java.util.List;

/**
 * The increments of one counter inside a write, in the order they must be applied.
 *
 * @param name the counter's name (already validated)
 * @param ops at least one increment
 */
public record CounterOps(String name, List<? extends IncrementOp> ops) {
  public CounterOps {
    requireNonNull(name, "name is null");
    requireNonNull(ops, "ops is null");
    if (ops.isEmpty()) {
      throw new IllegalArgumentException("a counter in a write needs at least one increment");
    }
  }
}
