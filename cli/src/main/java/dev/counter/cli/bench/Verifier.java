package dev.counter.cli.bench;

import dev.counter.client.CounterClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * Reads back every counter of a load test and compares it with the {@link Ledger}. Buffered
 * increments become visible only at their flush, so reads are repeated (for at most
 * {@code settle}) until every counter is in range.
 */
final class Verifier {
  private static final int BATCH = 10_000;

  private Verifier() {}

  static Verification verify(CounterClient client, List<String> names, Ledger ledger, Duration settle) {
    long deadline = System.nanoTime() + settle.toNanos();
    while (true) {
      Verification verification = once(client, names, ledger);
      if (verification.passed() || System.nanoTime() > deadline) {
        return verification;
      }
      // Waiting for the server's buffers to flush; bounded by `settle`.
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    }
  }

  private static Verification once(CounterClient client, List<String> names, Ledger ledger) {
    List<String> mismatches = new ArrayList<>();
    long acknowledged = 0;
    long stored = 0;
    for (int from = 0; from < names.size(); from += BATCH) {
      List<String> chunk = names.subList(from, Math.min(names.size(), from + BATCH));
      List<Long> values = client.batchGet(chunk);
      for (int i = 0; i < chunk.size(); i++) {
        int key = from + i;
        long value = values.get(i);
        acknowledged += ledger.acknowledged(key);
        stored += value;
        if (value < ledger.lowest(key) || value > ledger.highest(key)) {
          String expected = ledger.lowest(key) == ledger.highest(key)
              ? Long.toString(ledger.acknowledged(key))
              : "[" + ledger.lowest(key) + ", " + ledger.highest(key) + "]";
          mismatches.add(chunk.get(i) + ": stored " + value + ", expected " + expected
              + " (difference " + (value - ledger.acknowledged(key)) + ")");
        }
      }
    }
    return new Verification(names.size(), acknowledged, stored, !ledger.anyUnknown(), mismatches);
  }
}
