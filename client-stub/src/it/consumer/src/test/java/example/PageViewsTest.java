package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.counter.client.CounterClient;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ServerSocket;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class PageViewsTest {
  /**
   * The library brings a working transport of its own (the shaded Netty): a channel is built from a
   * plain target and a call to a loopback port where nothing listens fails as UNAVAILABLE, not
   * with "no channel provider".
   */
  @Test
  void theLibraryBringsItsOwnTransport() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    try (CounterClient counters = CounterClient.newBuilder().target("127.0.0.1:" + closedPort)
        .deadline(Duration.ofSeconds(5)).build()) {
      StatusRuntimeException error = assertThrows(StatusRuntimeException.class, () -> new PageViews(counters).view("home"));
      assertEquals(Status.Code.UNAVAILABLE, error.getStatus().getCode());
    }
    // The transport is the shaded one, beside the application's own Netty 4.1.
    Class.forName("io.grpc.netty.shaded.io.grpc.netty.NettyChannelProvider");
    assertEquals("4.1", io.netty.util.Version.identify().get("netty-common").artifactVersion().substring(0, 3));
  }
}
