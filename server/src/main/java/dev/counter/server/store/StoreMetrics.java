package dev.counter.server.store;

/** What {@link MeteredCounterStore} reports about the store. */
public interface StoreMetrics {
  /** One flush: its writes, the increments they carried, and how long until the last completed. */
  void flushed(int writes, int increments, long nanos);

  /** A store operation failed; {@code unavailable} when it was an outage rather than a bug. */
  void failed(String operation, boolean unavailable);
}
