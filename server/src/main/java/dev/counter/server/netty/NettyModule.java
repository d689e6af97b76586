package dev.counter.server.netty;

import com.google.inject.AbstractModule;
import com.google.inject.Provides;
import com.google.inject.Singleton;
import dev.counter.server.config.ServerConfig;

/** Binds the node's shared Netty event loops. */
public final class NettyModule extends AbstractModule {
  @Provides
  @Singleton
  SharedEventLoops eventLoops(ServerConfig config) {
    return new SharedEventLoops(config.eventLoopThreads());
  }
}
