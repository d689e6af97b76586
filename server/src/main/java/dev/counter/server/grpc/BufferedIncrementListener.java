package dev.counter.server.grpc;

import dev.counter.server.batching.IncrementListener;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener of buffered increments: their callers were answered on acceptance, so outcomes
 * only matter for the log. The batcher resends failed buffered writes, so {@link #failed} is not
 * expected; an overflow drops the increment, which is logged (at most once a second).
 */
final class BufferedIncrementListener implements IncrementListener {
  static final BufferedIncrementListener INSTANCE = new BufferedIncrementListener();
  private static final Logger log = LoggerFactory.getLogger(BufferedIncrementListener.class);
  private static final AtomicLong lastLogMillis = new AtomicLong();

  private BufferedIncrementListener() {}

  @Override
  public void applied(long value, boolean duplicate) {}

  @Override
  public void outOfRange() {
    logRateLimited("a buffered increment was dropped: it would have taken its counter outside the int64 range", null);
  }

  @Override
  public void failed(Throwable cause) {
    logRateLimited("a buffered increment could not be written", cause);
  }

  private static void logRateLimited(String message, Throwable cause) {
    long now = System.currentTimeMillis();
    long last = lastLogMillis.get();
    if (now - last >= 1000 && lastLogMillis.compareAndSet(last, now)) {
      log.warn(message, cause);
    }
  }
}
