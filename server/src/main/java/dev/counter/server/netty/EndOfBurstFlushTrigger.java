package dev.counter.server.netty;

import dev.counter.server.batching.FlushTrigger;
import io.netty.util.concurrent.EventExecutor;

/**
 * On one of the node's event-loop threads, defers a flush to a task on that same loop: Netty runs
 * it once the current read (every request that arrived in it) has been handled, so the whole
 * burst shares one Redis write. Elsewhere, flushes at once.
 */
public final class EndOfBurstFlushTrigger implements FlushTrigger {
  private final SharedEventLoops eventLoops;

  public EndOfBurstFlushTrigger(SharedEventLoops eventLoops) {
    this.eventLoops = eventLoops;
  }

  @Override
  public void trigger(Runnable flush) {
    for (EventExecutor loop : eventLoops.group()) {
      if (loop.inEventLoop()) {
        loop.execute(flush);
        return;
      }
    }
    flush.run();
  }
}
