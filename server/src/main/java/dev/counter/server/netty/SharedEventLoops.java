package dev.counter.server.netty;

import io.lettuce.core.resource.EventLoopGroupProvider;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.EventExecutorGroup;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.SucceededFuture;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Netty event-loop group of a node, shared by the gRPC server and the Lettuce client
 * (native epoll where available). When a gRPC connection and the Redis connection share a loop,
 * a call is read, flushed to Redis, answered by Redis and replied to on one thread, with no
 * hand-off; with few cores, fewer threads also means fewer context switches.
 */
public final class SharedEventLoops implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SharedEventLoops.class);

  private final MultiThreadIoEventLoopGroup group;
  private final boolean epoll;

  public SharedEventLoops(int threads) {
    this.epoll = Epoll.isAvailable();
    this.group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("counter-io", true),
        epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
    log.info("{} event loop thread(s), {} transport", threads, epoll ? "epoll" : "nio");
  }

  public EventLoopGroup group() {
    return group;
  }

  /** The server channel type matching the group's transport. */
  public Class<? extends ServerChannel> serverChannelType() {
    return epoll ? EpollServerSocketChannel.class : NioServerSocketChannel.class;
  }

  /**
   * Hands the group to Lettuce, which asks for a group by transport class ({@link
   * MultiThreadIoEventLoopGroup} for epoll in Lettuce 7). Lettuce never shuts it down; this object
   * does.
   */
  public EventLoopGroupProvider lettuceProvider() {
    return new EventLoopGroupProvider() {
      @Override
      @SuppressWarnings("unchecked")
      public <T extends EventLoopGroup> T allocate(Class<T> type) {
        if (!type.isInstance(group)) {
          throw new IllegalStateException("Lettuce asked for " + type.getName() + ", the shared group is "
              + group.getClass().getName());
        }
        return (T) group;
      }

      @Override
      public int threadPoolSize() {
        return group.executorCount();
      }

      @Override
      public Future<Boolean> release(EventExecutorGroup eventLoopGroup, long quietPeriod, long timeout, TimeUnit unit) {
        return new SucceededFuture<>(GlobalEventExecutor.INSTANCE, true);
      }

      @Override
      public Future<Boolean> shutdown(long quietPeriod, long timeout, TimeUnit timeUnit) {
        return new SucceededFuture<>(GlobalEventExecutor.INSTANCE, true);
      }
    };
  }

  @Override
  public void close() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(3, TimeUnit.SECONDS);
  }
}
