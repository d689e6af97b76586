package dev.counter.server.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Every setting of a server node, parsed from flags with defaults from {@code COUNTER_*}
 * environment variables (see {@link EnvironmentDefaultProvider}). Values are validated by
 * {@link #parse}; the rest of the server only reads them through the getters.
 */
@Command(
    name = "counter-server",
    mixinStandardHelpOptions = true,
    versionProvider = ServerConfig.Version.class,
    defaultValueProvider = EnvironmentDefaultProvider.class,
    sortOptions = false,
    usageHelpAutoWidth = true,
    description = {
      "Serves counter.v1.CounterService over gRPC, batching increments into per-node shards in Redis.",
      "Every option can also be set through the environment variable named after it,",
      "e.g. --redis-timeout as COUNTER_REDIS_TIMEOUT. Durations: 250ms, 2s, 10m, 1h.",
      ""
    })
public final class ServerConfig {
  /** Largest --max-pending accepted: keeps the pending buffer's memory in the low gigabytes at worst. */
  static final int MAX_PENDING_LIMIT = 10_000_000;

  @Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--port", defaultValue = "9090", paramLabel = "PORT",
      description = "gRPC port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  private int port;

  @Option(names = "--metrics-port", defaultValue = "9464", paramLabel = "PORT",
      description = "Port of the Prometheus endpoint (/metrics); 0 turns it off (default: ${DEFAULT-VALUE}).")
  private int metricsPort;

  @Option(names = "--metrics-host", defaultValue = "", paramLabel = "ADDRESS",
      description = "Address to bind the metrics port to, e.g. 127.0.0.1 to keep it off the network; "
          + "empty binds every interface (default: all).")
  private String metricsHost;

  @Option(names = "--host", defaultValue = "", paramLabel = "ADDRESS",
      description = "Address to bind the gRPC port to; empty binds every interface (default: all).")
  private String host;

  @Option(names = "--tls-cert", paramLabel = "FILE",
      description = "PEM certificate chain: serve gRPC over TLS (with --tls-key).")
  private Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key (PKCS#8) of --tls-cert.")
  private Path tlsKey;

  @Option(names = "--tls-client-ca", paramLabel = "FILE",
      description = "PEM CA certificates: require clients to present a certificate signed by one (mutual TLS).")
  private Path tlsClientCa;

  @Option(names = "--redis", defaultValue = "", paramLabel = "URI",
      description = "Redis to keep the counters in: redis://[:password@]host:port[/db], rediss:// for TLS, "
          + "redis-sentinel://host:port#master. Empty (the default) starts a private redis-server with append-only "
          + "persistence under --data-dir, for development.")
  private String redis;

  @Option(names = "--redis-tls-ca", paramLabel = "FILE",
      description = "PEM CA certificates to trust for rediss:// connections (default: the JVM's trust store).")
  private Path redisTlsCa;

  @Option(names = "--redis-cluster", defaultValue = "", paramLabel = "URIS",
      description = "Redis Cluster seed nodes, comma-separated: redis://h1:7000,redis://h2:7001 (rediss:// for TLS). "
          + "Topology is refreshed periodically and on MOVED/ASK redirects and reconnects.")
  private String redisCluster;

  @Option(names = "--cluster-refresh-period", defaultValue = "5s", converter = DurationFlag.class,
      paramLabel = "DURATION",
      description = "How often the Redis Cluster topology is re-read, besides adaptive refreshes (default: ${DEFAULT-VALUE}).")
  private Duration clusterRefreshPeriod;

  @Option(names = "--replica-acks", defaultValue = "0", paramLabel = "N",
      description = "A durable write completes only once N replicas acknowledged it (Redis WAIT), so a failover "
          + "cannot lose it (default: ${DEFAULT-VALUE}).")
  private int replicaAcks;

  @Option(names = "--replica-ack-timeout", defaultValue = "1s", converter = DurationFlag.class,
      paramLabel = "DURATION",
      description = "How long a write waits for --replica-acks; its calls then fail with UNAVAILABLE (they may have "
          + "been applied; a retry with the same request_id is safe) (default: ${DEFAULT-VALUE}).")
  private Duration replicaAckTimeout;

  @Option(names = "--node-id", paramLabel = "N",
      description = "Pin this node's shard id instead of leasing a free one from Redis (default: lease).")
  private Integer nodeId;

  @Option(names = "--max-node-id", defaultValue = "1023", paramLabel = "N",
      description = "Highest node id a node may lease; bounds the shards per counter (default: ${DEFAULT-VALUE}).")
  private int maxNodeId;

  @Option(names = "--node-lease-ttl", defaultValue = "30s", converter = DurationFlag.class, paramLabel = "DURATION",
      description = "How long a leased node id outlives a node that stopped renewing it (default: ${DEFAULT-VALUE}).")
  private Duration nodeLeaseTtl;

  @Option(names = "--key-prefix", defaultValue = "ctr:", paramLabel = "PREFIX",
      description = "Prefix of every Redis key this service writes, so it can share a Redis (default: ${DEFAULT-VALUE}).")
  private String keyPrefix;

  @Option(names = "--idempotency-window", defaultValue = "10m", converter = DurationFlag.class, paramLabel = "DURATION",
      description = "How long a request_id is remembered for deduplicating retries (default: ${DEFAULT-VALUE}).")
  private Duration idempotencyWindow;

  @Option(names = "--max-pending", defaultValue = "100000", paramLabel = "N",
      description = "Increments a node may hold before they are written; beyond it calls get RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
  private int maxPending;

  @Option(names = "--recent-values", defaultValue = "100000", paramLabel = "N",
      description = "Counters whose latest value a node keeps for bounded-staleness reads (Get with max_staleness); "
          + "0 makes every read exact (default: ${DEFAULT-VALUE}).")
  private int recentValues;

  @Option(names = "--max-watchers", defaultValue = "10000", paramLabel = "N",
      description = "Watch streams a node serves at once; beyond it Watch gets RESOURCE_EXHAUSTED (default: ${DEFAULT-VALUE}).")
  private int maxWatchers;

  @Option(names = "--flush-linger", defaultValue = "0ms", converter = DurationFlag.class, paramLabel = "DURATION",
      description = "Under load, minimum time between the starts of two flushes of the same lane (bigger batches, "
          + "fewer Redis commands); 0 flushes as soon as the previous one completes (default: ${DEFAULT-VALUE}).")
  private Duration flushLinger;

  @Option(names = "--flush-linger-min-batch", defaultValue = "32", paramLabel = "N",
      description = "The linger applies only after a flush of at least N increments, so a lone call never waits "
          + "(default: ${DEFAULT-VALUE}).")
  private int flushLingerMinBatch;

  @Option(names = "--flush-linger-target-batch", defaultValue = "160", paramLabel = "N",
      description = "A lingering flush starts as soon as N increments are waiting (default: ${DEFAULT-VALUE}).")
  private int flushLingerTargetBatch;

  @Option(names = "--flush-max-ops", defaultValue = "4096", paramLabel = "N",
      description = "Most increments carried by one Redis script call; bigger flushes are split (default: ${DEFAULT-VALUE}).")
  private int flushMaxOps;

  @Option(names = "--redis-timeout", defaultValue = "2s", converter = DurationFlag.class, paramLabel = "DURATION",
      description = "Time a Redis command may take before it fails and its calls get UNAVAILABLE (default: ${DEFAULT-VALUE}).")
  private Duration redisTimeout;

  @Option(names = "--health-interval", defaultValue = "1s", converter = DurationFlag.class, paramLabel = "DURATION",
      description = "How often Redis is pinged to drive the health status (default: ${DEFAULT-VALUE}).")
  private Duration healthInterval;

  @Option(names = "--shutdown-grace", defaultValue = "30s", converter = DurationFlag.class, paramLabel = "DURATION",
      description = "On SIGTERM, time allowed to finish calls in flight and flush every buffer (default: ${DEFAULT-VALUE}).")
  private Duration shutdownGrace;

  @Option(names = "--data-dir", defaultValue = "./data", paramLabel = "DIR",
      description = "Where the private development redis-server keeps its data (default: ${DEFAULT-VALUE}).")
  private Path dataDir;

  @Option(names = "--max-message-size", defaultValue = "8388608", paramLabel = "BYTES",
      description = "Largest request message accepted; a full 10,000-item batch fits in the default (default: ${DEFAULT-VALUE}).")
  private int maxMessageSize;

  @Option(names = "--event-loop-threads", defaultValue = "0", paramLabel = "N",
      description = "Netty event-loop threads, shared by gRPC and the Redis client; 0 means half the CPUs, at "
          + "least 1 (default: ${DEFAULT-VALUE}).")
  private int eventLoopThreads;

  @Option(names = "--max-concurrent-streams", defaultValue = "1024", paramLabel = "N",
      description = "Calls in flight per client connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS); clients queue "
          + "the rest (default: ${DEFAULT-VALUE}).")
  private int maxConcurrentStreams;

  @Option(names = "--grpc-metrics", defaultValue = "true", negatable = true, fallbackValue = "true",
      paramLabel = "BOOLEAN",
      description = "gRPC's standard per-call server metrics (grpc.server.call.*, from grpc-java's OpenTelemetry "
          + "module) on /metrics; --no-grpc-metrics saves their CPU per call (default: ${DEFAULT-VALUE}).")
  private boolean grpcMetrics;

  @Option(names = "--otlp-endpoint", defaultValue = "", paramLabel = "URL",
      description = "OTLP/HTTP receiver for traces (spans of calls and flushes), e.g. http://otel-collector:4318; "
          + "empty (the default) turns tracing off.")
  private String otlpEndpoint;

  @Option(names = "--trace-sample-ratio", defaultValue = "0.01", paramLabel = "RATIO",
      description = "Share of new traces recorded, 0..1; a caller's sampled trace context is always followed "
          + "(default: ${DEFAULT-VALUE}).")
  private double traceSampleRatio;

  @Option(names = "--log-format", defaultValue = "text", paramLabel = "text|json",
      description = "Log lines as text with ISO-8601 dates, or one JSON object per line (default: ${DEFAULT-VALUE}). "
          + "The level of the server's own loggers is COUNTER_LOG_LEVEL (default INFO).")
  private String logFormat;

  @Option(names = "--handler-executor", defaultValue = "direct", hidden = true, paramLabel = "direct|pool",
      description = "Where gRPC runs handlers: on the transport threads (direct) or on gRPC's default pool. "
          + "Handlers never block, and direct measured faster; kept for benchmarking.")
  private String handlerExecutor;

  private ServerConfig() {}

  /**
   * Parses {@code args} with defaults from {@code environment}, validating every value.
   *
   * @throws ParameterException for a malformed or out-of-range value; its message names the flag
   */
  public static ServerConfig parse(java.util.Map<String, String> environment, String... args) {
    ServerConfig config = new ServerConfig();
    CommandLine commandLine = commandLine(config, environment);
    commandLine.parseArgs(args);
    config.validate();
    return config;
  }

  /** A picocli command line bound to a fresh config, for {@code --help} and parsing. */
  public static CommandLine commandLine(java.util.Map<String, String> environment) {
    return commandLine(new ServerConfig(), environment);
  }

  private static CommandLine commandLine(ServerConfig config, java.util.Map<String, String> environment) {
    CommandLine commandLine = new CommandLine(config);
    // A flag given twice takes its last value, so wrappers can append overrides.
    commandLine.setOverwrittenOptionsAllowed(true);
    commandLine.setDefaultValueProvider(new EnvironmentDefaultProvider(environment));
    commandLine.registerConverter(Duration.class, new DurationFlag());
    return commandLine;
  }

  private void validate() {
    check(port >= 0 && port <= 65535, "--port must be between 0 and 65535, was " + port);
    check(metricsPort >= 0 && metricsPort <= 65535, "--metrics-port must be between 0 and 65535, was " + metricsPort);
    check(nodeId == null || (nodeId >= 0 && nodeId <= maxNodeId),
        "--node-id must be between 0 and --max-node-id (" + maxNodeId + "), was " + nodeId);
    check(maxNodeId >= 0 && maxNodeId <= 65535, "--max-node-id must be between 0 and 65535, was " + maxNodeId);
    check(!nodeLeaseTtl.isZero() && nodeLeaseTtl.compareTo(Duration.ofSeconds(3)) >= 0,
        "--node-lease-ttl must be at least 3s, was " + nodeLeaseTtl);
    check(keyPrefix.indexOf('{') < 0 && keyPrefix.indexOf('}') < 0,
        "--key-prefix must not contain '{' or '}' (the service puts each counter's hash tag there), was " + keyPrefix);
    check(idempotencyWindow.toMillis() >= 1000, "--idempotency-window must be at least 1s, was " + idempotencyWindow);
    check(maxPending >= 1 && maxPending <= MAX_PENDING_LIMIT,
        "--max-pending must be between 1 and " + MAX_PENDING_LIMIT + ", was " + maxPending);
    check(maxWatchers >= 0 && maxWatchers <= 1_000_000, "--max-watchers must be between 0 and 1000000, was " + maxWatchers);
    check(recentValues >= 0 && recentValues <= 10_000_000,
        "--recent-values must be between 0 and 10000000, was " + recentValues);
    check(flushMaxOps >= 1 && flushMaxOps <= 100_000, "--flush-max-ops must be between 1 and 100000, was " + flushMaxOps);
    check(flushLinger.compareTo(Duration.ofSeconds(1)) <= 0, "--flush-linger must be at most 1s, was " + flushLinger);
    check(flushLingerMinBatch >= 0, "--flush-linger-min-batch must not be negative, was " + flushLingerMinBatch);
    check(flushLingerTargetBatch >= 1, "--flush-linger-target-batch must be positive, was " + flushLingerTargetBatch);
    check(!redisTimeout.isZero(), "--redis-timeout must be positive");
    check(!healthInterval.isZero(), "--health-interval must be positive");
    check(eventLoopThreads >= 0 && eventLoopThreads <= 256,
        "--event-loop-threads must be between 0 (auto) and 256, was " + eventLoopThreads);
    check(maxConcurrentStreams >= 1, "--max-concurrent-streams must be positive, was " + maxConcurrentStreams);
    check(handlerExecutor.equals("direct") || handlerExecutor.equals("pool"),
        "--handler-executor must be direct or pool, was " + handlerExecutor);
    check(maxMessageSize >= 1024, "--max-message-size must be at least 1024 bytes, was " + maxMessageSize);
    check(redis.isBlank() || redisCluster.isBlank(), "give either --redis or --redis-cluster, not both");
    check(traceSampleRatio >= 0 && traceSampleRatio <= 1,
        "--trace-sample-ratio must be between 0 and 1, was " + traceSampleRatio);
    check(otlpEndpoint.isBlank() || otlpEndpoint.startsWith("http://") || otlpEndpoint.startsWith("https://"),
        "--otlp-endpoint must be an http:// or https:// URL (an OTLP/HTTP receiver), was " + otlpEndpoint);
    check(logFormat.equals("text") || logFormat.equals("json"), "--log-format must be text or json, was " + logFormat);
    check((tlsCert == null) == (tlsKey == null), "--tls-cert and --tls-key go together");
    check(tlsClientCa == null || tlsCert != null, "--tls-client-ca needs --tls-cert and --tls-key");
    checkReadable("--tls-cert", tlsCert);
    checkReadable("--tls-key", tlsKey);
    checkReadable("--tls-client-ca", tlsClientCa);
    checkReadable("--redis-tls-ca", redisTlsCa);
    if (tlsKey != null) {
      PemFiles.privateKeyProblem("--tls-key", tlsKey).ifPresent(problem -> check(false, problem));
    }
    checkCertificates("--tls-cert", tlsCert);
    checkCertificates("--tls-client-ca", tlsClientCa);
    checkCertificates("--redis-tls-ca", redisTlsCa);
    check(replicaAcks >= 0 && replicaAcks <= 16, "--replica-acks must be between 0 and 16, was " + replicaAcks);
    // WAIT is a Redis command too: it must be able to time out on its own before the client gives up.
    check(!replicaAckTimeout.isZero() && (replicaAcks == 0 || replicaAckTimeout.compareTo(redisTimeout) < 0),
        "--replica-ack-timeout must be positive and below --redis-timeout (" + redisTimeout + "), was "
            + replicaAckTimeout);
    check(clusterRefreshPeriod.compareTo(Duration.ofMillis(100)) >= 0,
        "--cluster-refresh-period must be at least 100ms, was " + clusterRefreshPeriod);
    for (String seed : clusterSeeds()) {
      check(seed.startsWith("redis://") || seed.startsWith("rediss://"),
          "--redis-cluster takes redis:// or rediss:// URIs, was " + seed);
    }
    if (!redis.isBlank()) {
      check(redis.startsWith("redis://") || redis.startsWith("rediss://") || redis.startsWith("redis-socket://")
              || redis.startsWith("redis-sentinel://") || redis.startsWith("rediss-sentinel://"),
          "--redis must be a redis://, rediss://, redis-socket:// or redis-sentinel:// URI");
    }
  }

  private void checkReadable(String flag, Path file) {
    check(file == null || java.nio.file.Files.isReadable(file), "cannot read " + flag + " " + file);
  }

  private void checkCertificates(String flag, Path file) {
    if (file != null) {
      PemFiles.certificatesProblem(flag, file).ifPresent(problem -> check(false, problem));
    }
  }

  private void check(boolean condition, String message) {
    if (!condition) {
      throw new ParameterException(spec.commandLine(), message);
    }
  }

  public int port() {
    return port;
  }

  /** The PEM certificate chain for TLS, if TLS is on. */
  public Optional<Path> tlsCert() {
    return Optional.ofNullable(tlsCert);
  }

  public Optional<Path> tlsKey() {
    return Optional.ofNullable(tlsKey);
  }

  /** CA certificates to trust for rediss://, if not the JVM's. */
  public Optional<Path> redisTlsCa() {
    return Optional.ofNullable(redisTlsCa);
  }

  /** CA certificates clients must chain to (mutual TLS), if required. */
  public Optional<Path> tlsClientCa() {
    return Optional.ofNullable(tlsClientCa);
  }

  /** The Prometheus endpoint's port; 0 when it is off. */
  public int metricsPort() {
    return metricsPort;
  }

  /** The address to bind the metrics endpoint to, or empty for every interface. */
  public Optional<String> metricsHost() {
    return metricsHost.isBlank() ? Optional.empty() : Optional.of(metricsHost.trim());
  }

  /** The address to bind, or empty for every interface. */
  public Optional<String> host() {
    return host.isBlank() ? Optional.empty() : Optional.of(host);
  }

  /**
   * The configured Redis URI, or empty when running on a cluster or when the server should start
   * its own development Redis (neither --redis nor --redis-cluster given).
   */
  public Optional<String> redisUri() {
    return redis.isBlank() ? Optional.empty() : Optional.of(redis.trim());
  }

  /** Redis Cluster seed URIs; empty when not running on a cluster. */
  public java.util.List<String> clusterSeeds() {
    java.util.List<String> seeds = new java.util.ArrayList<>();
    for (String seed : redisCluster.split(",")) {
      if (!seed.isBlank()) {
        seeds.add(seed.trim());
      }
    }
    return seeds;
  }

  public Duration clusterRefreshPeriod() {
    return clusterRefreshPeriod;
  }

  /** Replicas that must acknowledge each durable write (0: none). */
  public int replicaAcks() {
    return replicaAcks;
  }

  public Duration replicaAckTimeout() {
    return replicaAckTimeout;
  }

  /** The pinned node id, or empty to lease one. */
  public OptionalInt nodeId() {
    return nodeId == null ? OptionalInt.empty() : OptionalInt.of(nodeId);
  }

  public int maxNodeId() {
    return maxNodeId;
  }

  public Duration nodeLeaseTtl() {
    return nodeLeaseTtl;
  }

  public String keyPrefix() {
    return keyPrefix;
  }

  public Duration idempotencyWindow() {
    return idempotencyWindow;
  }

  public int maxPending() {
    return maxPending;
  }

  public int recentValues() {
    return recentValues;
  }

  public int maxWatchers() {
    return maxWatchers;
  }

  public Duration flushLinger() {
    return flushLinger;
  }

  public int flushLingerMinBatch() {
    return flushLingerMinBatch;
  }

  public int flushLingerTargetBatch() {
    return flushLingerTargetBatch;
  }

  public int flushMaxOps() {
    return flushMaxOps;
  }

  public Duration redisTimeout() {
    return redisTimeout;
  }

  public Duration healthInterval() {
    return healthInterval;
  }

  /** The OTLP/HTTP receiver of traces, or empty when tracing is off. */
  public boolean grpcMetrics() {
    return grpcMetrics;
  }

  public Optional<java.net.URI> otlpEndpoint() {
    return otlpEndpoint.isBlank() ? Optional.empty() : Optional.of(java.net.URI.create(otlpEndpoint.trim()));
  }

  /** Share of new traces recorded. */
  public double traceSampleRatio() {
    return traceSampleRatio;
  }

  /** {@code text} or {@code json}. */
  public String logFormat() {
    return logFormat;
  }

  public Duration shutdownGrace() {
    return shutdownGrace;
  }

  public Path dataDir() {
    return dataDir;
  }

  public int maxMessageSize() {
    return maxMessageSize;
  }

  /**
   * Event-loop threads: as configured, or half the CPUs (at least 1). Measured on 2 cores shared
   * with the load generator, one loop (request, Redis write and reply on one thread) was as fast
   * as two.
   */
  public int maxConcurrentStreams() {
    return maxConcurrentStreams;
  }

  public int eventLoopThreads() {
    return eventLoopThreads > 0 ? eventLoopThreads : Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
  }

  /** True when handlers run on the transport threads (the default). */
  public boolean directExecutor() {
    return handlerExecutor.equals("direct");
  }

  /** Prints the implementation version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = ServerConfig.class.getPackage().getImplementationVersion();
      return new String[] {"counter-server " + (version == null ? "dev" : version)};
    }
  }
}
