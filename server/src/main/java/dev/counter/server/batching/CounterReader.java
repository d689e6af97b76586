package dev.counter.server.batching;

import java.util.concurrent.CompletionStage;

/** Reads single counters for the service; the boundary between the Get handler and the store. */
public interface CounterReader {
  /**
   * The counter's value as of a read that starts after this call: every increment acknowledged
   * before it is included. Fails with the store's failure.
   */
  CompletionStage<Long> get(String name);
}
