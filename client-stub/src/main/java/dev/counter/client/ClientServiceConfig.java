package dev.counter.client;

import dev.counter.v1.CounterServiceGrpc;
import java.util.List;
import java.util.Map;

/**
 * The gRPC service config the client uses: round-robin over every resolved address, and retries
 * of UNAVAILABLE with exponential backoff for every method but {@code Reset} and {@code Delete}
 * (retrying one that did apply would clear increments made in between). Increments are safe to retry because
 * they carry request ids.
 */
public final class ClientServiceConfig {
  /** Attempts per call including the first. */
  public static final int DEFAULT_MAX_ATTEMPTS = 5;

  private ClientServiceConfig() {}

  /** The service config with the default number of attempts. */
  public static Map<String, Object> serviceConfig() {
    return serviceConfig(DEFAULT_MAX_ATTEMPTS);
  }

  /** The service config, as the map {@code ManagedChannelBuilder.defaultServiceConfig} takes. */
  public static Map<String, Object> serviceConfig(int maxAttempts) {
    String service = CounterServiceGrpc.SERVICE_NAME;
    List<Map<String, Object>> retriedMethods = List.of(
        Map.of("service", service, "method", "Increment"),
        Map.of("service", service, "method", "BatchIncrement"),
        Map.of("service", service, "method", "Get"),
        Map.of("service", service, "method", "BatchGet"),
        Map.of("service", service, "method", "GetWindow"),
        Map.of("service", service, "method", "GetSeries"),
        Map.of("service", service, "method", "List"));
    Map<String, Object> retried = Map.of(
        "name", retriedMethods,
        "retryPolicy", Map.of(
            "maxAttempts", (double) Math.max(2, maxAttempts),
            "initialBackoff", "0.05s",
            "maxBackoff", "1s",
            "backoffMultiplier", 2.0,
            "retryableStatusCodes", List.of("UNAVAILABLE")));
    Map<String, Object> reset = Map.of("name", List.of(Map.of("service", service, "method", "Reset"),
        Map.of("service", service, "method", "Delete")));
    return Map.of(
        "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
        "methodConfig", maxAttempts > 1 ? List.of(retried, reset) : List.of(reset));
  }
}
