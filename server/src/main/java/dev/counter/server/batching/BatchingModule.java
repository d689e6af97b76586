package dev.counter.server.batching;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.counter.server.config.ServerConfig;
import dev.counter.server.netty.EndOfBurstFlushTrigger;
import dev.counter.server.netty.SharedEventLoops;
import dev.counter.server.store.CounterStore;
import dev.counter.server.store.IncrementWriter;
import java.time.Duration;

/** Binds the smart batcher (increments) and the read coalescer (Gets) between the gRPC service and the store. */
public final class BatchingModule extends AbstractModule {
  @Override
  protected void configure() {
    bind(IncrementBatcher.class).to(SmartBatcher.class);
  }

  @Provides
  @Singleton
  RecentValues recentValues(ServerConfig config) {
    return new RecentValues(config.recentValues());
  }

  @Provides
  @Singleton
  CounterReader reader(CounterStore store, SharedEventLoops eventLoops, RecentValues recent) {
    return new ReadCoalescer(store, new EndOfBurstFlushTrigger(eventLoops), recent);
  }

  @Provides
  @Singleton
  SmartBatcher batcher(IncrementWriter store, ServerConfig config, SharedEventLoops eventLoops, BatcherMetrics metrics,
      RecentValues recent) {
    // Write tokens live one idempotency window; resending for half of it keeps a wide margin.
    Duration resendFor = config.idempotencyWindow().dividedBy(2);
    Duration writeTimeout = config.redisTimeout().multipliedBy(2).plus(config.replicaAckTimeout()).plusSeconds(5);
    return new SmartBatcher(store, new BatcherSettings(config.maxPending(), config.flushMaxOps(),
        config.flushLinger(), config.flushLingerMinBatch(), config.flushLingerTargetBatch(), Duration.ofMillis(50),
        Duration.ofSeconds(1), resendFor, writeTimeout),
        new EndOfBurstFlushTrigger(eventLoops), metrics, recent);
  }
}
