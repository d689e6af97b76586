package dev.counter.server.store;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/** The part of the store the read coalescer reads through. */
public interface BulkReader {
  /**
   * The values of many counters, read in one round trip where the store allows it, each as its
   * own future (in the order of {@code names}) so that one failing read fails only its own.
   */
  List<CompletableFuture<Long>> getEach(List<String> names);
}
