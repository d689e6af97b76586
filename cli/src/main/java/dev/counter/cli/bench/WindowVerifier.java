package dev.counter.cli.bench;

import dev.counter.client.CounterClient;
import dev.counter.v1.Bucket;
import dev.counter.v1.Window;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a load with a window (and a limit) against what the server holds: each period's bucket
 * holds exactly what was admitted in it; with a per-period limit L, each period admitted exactly
 * min(L, offered); with a sliding limit over K periods, no K consecutive buckets hold more than L.
 * Counters with calls of unknown outcome are only checked against the limit's bound.
 */
final class WindowVerifier {
  private WindowVerifier() {}

  /** One line per problem; empty when everything matches. Also counts the periods checked. */
  record Result(int periods, List<String> problems) {}

  static Result verify(CounterClient client, List<String> names, WindowLedger ledger, Window window, long limit,
      int slidingPeriods) {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (int key : ledger.keysSeen()) {
      Map<Long, WindowLedger.Period> periods = ledger.periods(key);
      long first = periods.keySet().stream().mapToLong(Long::longValue).min().orElseThrow();
      long last = periods.keySet().stream().mapToLong(Long::longValue).max().orElseThrow();
      List<Bucket> buckets = client.series(names.get(key), window, Instant.ofEpochMilli(first),
          Instant.ofEpochMilli(last));
      boolean exact = !ledger.anyUnknown(key);
      long[] values = new long[buckets.size()];
      for (int i = 0; i < buckets.size(); i++) {
        Bucket bucket = buckets.get(i);
        long start = bucket.getPeriod().getStart().getSeconds() * 1000 + bucket.getPeriod().getStart().getNanos() / 1_000_000;
        values[i] = bucket.getValue();
        WindowLedger.Period seen = periods.get(start);
        long admitted = seen == null ? 0 : seen.admitted.get();
        long offered = seen == null ? 0 : seen.offered.get();
        checked++;
        if (exact && bucket.getValue() != admitted) {
          problems.add(names.get(key) + " period " + Instant.ofEpochMilli(start) + ": bucket holds " + bucket.getValue()
              + ", " + admitted + " were admitted");
        }
        if (limit >= 0 && slidingPeriods <= 1 && exact && admitted != Math.min(limit, offered)) {
          problems.add(names.get(key) + " period " + Instant.ofEpochMilli(start) + ": admitted " + admitted + " of "
              + offered + " offered with a limit of " + limit + " (expected min(L, offered) = "
              + Math.min(limit, offered) + ")");
        }
      }
      if (limit >= 0) {
        int span = Math.max(1, slidingPeriods);
        for (int end = 0; end < values.length; end++) {
          long sum = 0;
          for (int i = Math.max(0, end - span + 1); i <= end; i++) {
            sum += values[i];
          }
          if (sum > limit) {
            problems.add(names.get(key) + ": " + span + " periods ending " + end + " hold " + sum + " > " + limit);
          }
        }
      }
    }
    return new Result(checked, problems);
  }
}
