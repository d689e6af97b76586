package dev.counter.client;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Resolves {@code counter-list:///host1:port1,host2:port2} to those addresses, one per server, so
 * that the channel's round-robin policy spreads calls over them. {@link Targets} turns the plain
 * comma-separated form users write into this URI.
 */
public final class AddressListNameResolverProvider extends NameResolverProvider {
  /** The URI scheme this provider serves. */
  public static final String SCHEME = "counter-list";

  private static final AddressListNameResolverProvider INSTANCE = new AddressListNameResolverProvider();
  private static volatile boolean registered;

  /** Registers the provider with gRPC's default registry (once per process). */
  public static void register() {
    if (!registered) {
      synchronized (AddressListNameResolverProvider.class) {
        if (!registered) {
          NameResolverRegistry.getDefaultRegistry().register(INSTANCE);
          registered = true;
        }
      }
    }
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  @Override
  public NameResolver newNameResolver(URI targetUri, NameResolver.Args args) {
    if (!SCHEME.equals(targetUri.getScheme())) {
      return null;
    }
    String path = targetUri.getPath();
    String list = path.startsWith("/") ? path.substring(1) : path;
    return new AddressListNameResolver(targetUri.getAuthority() == null ? "counter" : targetUri.getAuthority(), list);
  }

  /** A resolver that never changes its answer. */
  private static final class AddressListNameResolver extends NameResolver {
    private final String authority;
    private final String list;

    AddressListNameResolver(String authority, String list) {
      this.authority = authority;
      this.list = list;
    }

    @Override
    public String getServiceAuthority() {
      return authority;
    }

    @Override
    public void start(Listener2 listener) {
      List<EquivalentAddressGroup> groups = new ArrayList<>();
      try {
        for (String hostPort : list.split(",")) {
          if (!hostPort.isBlank()) {
            groups.add(new EquivalentAddressGroup(Targets.parseHostPort(hostPort.trim())));
          }
        }
      } catch (IllegalArgumentException e) {
        listener.onError(Status.UNAVAILABLE.withDescription(e.getMessage()));
        return;
      }
      if (groups.isEmpty()) {
        listener.onError(Status.UNAVAILABLE.withDescription("empty address list"));
        return;
      }
      listener.onResult(ResolutionResult.newBuilder().setAddresses(groups).setAttributes(Attributes.EMPTY).build());
    }

    @Override
    public void shutdown() {}
  }
}
