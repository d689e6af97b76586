package dev.counter.client;

import java.net.InetSocketAddress;

/**
 * Turns what users write as a target into a gRPC target: {@code host:port} and
 * {@code dns:///host:port} pass through; {@code host1:port1,host2:port2} becomes a
 * {@code counter-list:///} target that round-robins over the listed servers.
 */
public final class Targets {
  private Targets() {}

  /** The gRPC target for {@code target}, registering the list resolver when a list is given. */
  public static String toGrpcTarget(String target) {
    String trimmed = target.trim();
    if (!trimmed.contains(",") || trimmed.contains("://")) {
      return trimmed;
    }
    AddressListNameResolverProvider.register();
    return AddressListNameResolverProvider.SCHEME + ":///" + trimmed.replace(" ", "");
  }

  /** {@code host:port}, {@code [v6]:port}, as an unresolved-then-resolved socket address. */
  static InetSocketAddress parseHostPort(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0 || colon == hostPort.length() - 1) {
      throw new IllegalArgumentException("'" + hostPort + "' is not host:port");
    }
    String host = hostPort.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(hostPort.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + hostPort + "' has no numeric port");
    }
    return new InetSocketAddress(host, port);
  }
}
