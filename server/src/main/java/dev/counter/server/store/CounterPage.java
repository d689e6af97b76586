package dev.counter.server.store;

import java.util.List;
import javax.annotation.Nullable;

/**
 * One page of a listing of counters.
 *
 * @param names the counters' names, exactly as written
 * @param values their values in the same order, or null when not asked for
 * @param nextToken where the next page starts; empty when the listing is complete
 */
public record CounterPage(List<String> names, @Nullable List<Long> values, String nextToken) {
  public CounterPage {
    names = List.copyOf(names);
    values = values == null ? null : List.copyOf(values);
  }
}
