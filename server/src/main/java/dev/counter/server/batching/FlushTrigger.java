package dev.counter.server.batching;

/**
 * Decides when a flush that is ready to start actually starts. Starting it right after the
 * calling thread finishes its current burst of work (the rest of a socket read, say) lets a
 * burst of increments that arrived together go out in one write, with no timer involved.
 */
@FunctionalInterface
public interface FlushTrigger {
  /** Runs flushes at once on the calling thread. */
  FlushTrigger IMMEDIATE = Runnable::run;

  /** Runs {@code flush} soon: at once, or after the calling thread's current burst of work. */
  void trigger(Runnable flush);
}
