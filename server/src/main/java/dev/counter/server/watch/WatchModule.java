package dev.counter.server.watch;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.counter.server.config.ServerConfig;
import dev.counter.server.store.CounterStore;

/** Binds the hub that serves {@code Watch} streams. */
public final class WatchModule extends AbstractModule {
  @Provides
  @Singleton
  WatchHub hub(CounterStore store, ServerConfig config) {
    return new WatchHub(store, config.maxWatchers());
  }
}
