package example;

import dev.counter.client.CounterClient;

/** What an application writes: count a page view through the client library. */
public final class PageViews {
  private final CounterClient counters;

  public PageViews(CounterClient counters) {
    this.counters = counters;
  }

  public long view(String page) {
    return counters.increment("page:" + page, 1);
  }
}
