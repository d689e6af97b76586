package dev.counter.cli.bench;

import dev.counter.cli.CliFailure;
import dev.counter.cli.CounterCli;
import dev.counter.cli.DurationOption;
import dev.counter.cli.ExitCodes;
import dev.counter.client.CounterClient;
import dev.counter.client.Targets;
import dev.counter.v1.Durability;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/**
 * {@code counter bench}: a closed-loop load test (what redis-benchmark is to Redis and ghz to
 * gRPC). Prints throughput, latency percentiles (HdrHistogram) and errors by status; with
 * {@code --verify} it also checks that every counter holds exactly the deltas it saw acknowledged.
 */
@Command(name = "bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {
      "Load-tests the server with a closed loop of calls and prints throughput and latency.",
      "Counters get fresh names (bench-<random>-<k>) unless --name-prefix is given."
    })
public final class BenchCommand implements Callable<Integer> {
  /** Exit code of a failed --verify. */

  @ParentCommand CounterCli cli;
  @Spec CommandSpec spec;

  @Option(names = {"-c", "--concurrency"}, defaultValue = "64", paramLabel = "N",
      description = "Calls in flight (default: ${DEFAULT-VALUE}).")
  int concurrency;

  @Option(names = "--channels", defaultValue = "1", paramLabel = "N",
      description = "Connections the calls are spread over (default: ${DEFAULT-VALUE}).")
  int channels;

  @Option(names = {"-d", "--duration"}, defaultValue = "10s", converter = DurationOption.class, paramLabel = "DURATION",
      description = "How long to measure, after the warm-up (default: ${DEFAULT-VALUE}).")
  Duration duration;

  @Option(names = {"-n", "--requests"}, defaultValue = "0", paramLabel = "N",
      description = "Stop after N calls instead of after --duration.")
  long requests;

  @Option(names = "--warmup", converter = DurationOption.class, paramLabel = "DURATION",
      description = "Load before measuring starts (default: 2s with --duration, 0 with --requests).")
  Duration warmup;

  @Option(names = {"-k", "--keys"}, defaultValue = "1", paramLabel = "N",
      description = "Number of counters (default: ${DEFAULT-VALUE}).")
  int keys;

  @Option(names = "--distribution", defaultValue = "uniform", paramLabel = "hot|uniform|zipf|sequential",
      description = "How calls pick among the counters; hot sends every call to one counter, sequential takes them "
          + "in turn (default: ${DEFAULT-VALUE}).")
  String distribution;

  @Option(names = "--zipf-exponent", defaultValue = "1.0", paramLabel = "S",
      description = "Exponent of the zipf distribution (default: ${DEFAULT-VALUE}).")
  double zipfExponent;

  @Option(names = "--durability", paramLabel = "durable|buffered",
      description = "Durability of the increments (default: durable, or buffered with the global --buffered).")
  String durability;

  @Option(names = {"-b", "--batch-size"}, defaultValue = "1", paramLabel = "N",
      description = "Increments per call; above 1 the load uses BatchIncrement (default: ${DEFAULT-VALUE}).")
  int batchSize;

  @Option(names = "--get-ratio", defaultValue = "0", paramLabel = "R",
      description = "Fraction of calls that are Get instead of increments, 0..1 (default: ${DEFAULT-VALUE}).")
  double getRatio;

  @Option(names = "--delta", defaultValue = "1", paramLabel = "N",
      description = "Delta of every increment (default: ${DEFAULT-VALUE}).")
  long delta;

  @Option(names = "--request-ids", description = "Give every increment a request id (exercises deduplication).")
  boolean requestIds;

  @Option(names = "--max-staleness", defaultValue = "0ms", converter = DurationOption.class, paramLabel = "DURATION",
      description = "Gets (--get-ratio) accept a value this old: bounded-staleness reads (default: exact).")
  java.time.Duration maxStaleness;

  @Option(names = "--server-pid", paramLabel = "PID",
      description = "Also report the CPU time the process PID (the server under test, on this machine) spent per "
          + "call in the measured window, from /proc.")
  Long serverPid;

  @Option(names = "--window", paramLabel = "WINDOW", converter = dev.counter.cli.WindowOption.class,
      description = "Every increment also counts into this window (1s, 1m, day@ZONE...); --verify then checks each "
          + "period's bucket against what was admitted in it.")
  dev.counter.v1.Window window;

  @Option(names = "--limit", defaultValue = "-1", paramLabel = "L",
      description = "With --window: at most L per period (or per --sliding periods); --verify then checks that each "
          + "period admitted exactly min(L, offered).")
  long limit;

  @Option(names = "--sliding", defaultValue = "1", paramLabel = "K",
      description = "With --limit: bound the last K periods instead of the current one (a sliding window).")
  int sliding;

  @Option(names = "--verify",
      description = "Afterwards, check that every counter holds exactly the acknowledged deltas; exit 3 if not.")
  boolean verify;

  @Option(names = "--max-error-ratio", defaultValue = "0", paramLabel = "R",
      description = "Fraction of the run's calls that may fail (any status but OK) before bench exits 4 "
          + "(default: ${DEFAULT-VALUE}: any failed call fails the run).")
  double maxErrorRatio;

  @Option(names = "--name-prefix", paramLabel = "PREFIX",
      description = "Counter names are PREFIX<k> (default: a fresh bench-<random>- per run).")
  String namePrefix;

  @Option(names = "--redis-stats", paramLabel = "URI",
      description = "Also report the commands this Redis executed per increment (INFO commandstats before and after).")
  String redisStats;

  @Option(names = "--mode", defaultValue = "grpc", paramLabel = "grpc|redis-incrby",
      description = "grpc calls the service; redis-incrby sends INCRBY straight to --redis-stats's Redis instead "
          + "(what users would do without this service) (default: ${DEFAULT-VALUE}).")
  String mode;

  @Option(names = "--label", paramLabel = "TEXT", description = "A label copied into the output (for reports).")
  String label;

  @Option(names = "--json", description = "Print the result as one JSON object.")
  boolean json;

  @Option(names = "--quiet", description = "No progress lines on stderr.")
  boolean quiet;

  @Override
  public Integer call() throws Exception {
    validate();
    KeyDistribution keyDistribution = KeyDistribution.valueOf(distribution.toUpperCase(Locale.ROOT));
    Durability durabilityMode = durability();
    String prefix = namePrefix != null ? namePrefix
        : "bench-" + Long.toString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE, 36) + "-";
    List<String> names = new ArrayList<>(keys);
    for (int k = 0; k < keys; k++) {
      names.add(prefix + k);
    }
    Duration warm = warmup != null ? warmup : (requests > 0 ? Duration.ZERO : Duration.ofSeconds(2));
    List<dev.counter.v1.Window> windows = window == null ? List.of() : List.of(window);
    List<dev.counter.v1.Limit> limits = limit < 0 ? List.of()
        : List.of(sliding > 1 ? dev.counter.client.Limits.sliding(0, sliding, limit)
            : dev.counter.client.Limits.perPeriod(0, limit));
    LoadRunner.Workload workload = new LoadRunner.Workload(names, keyDistribution.chooser(keys, zipfExponent), delta,
        durabilityMode, batchSize, getRatio, requestIds, windows, limits, maxStaleness);
    LoadRunner.Pace pace = new LoadRunner.Pace(concurrency, warm, duration, requests, cli.deadline());

    Map<String, Object> settings = new LinkedHashMap<>();
    if (label != null) {
      settings.put("label", label);
    }
    settings.put("target", cli.target());
    settings.put("concurrency", concurrency);
    settings.put("channels", channels);
    settings.put(requests > 0 ? "requests" : "duration", requests > 0 ? requests : duration.toString());
    settings.put("warmup", warm.toString());
    settings.put("keys", keys);
    settings.put("distribution", keyDistribution.name().toLowerCase(Locale.ROOT));
    settings.put("durability", durabilityMode == Durability.DURABILITY_BUFFERED ? "buffered" : "durable");
    settings.put("batch_size", batchSize);
    settings.put("get_ratio", getRatio);
    if (!maxStaleness.isZero()) {
      settings.put("max_staleness", maxStaleness.toString());
    }

    settings.put("mode", mode);
    if (window != null) {
      settings.put("window", window.hasFixed() ? window.getFixed().getSeconds() + "s" : window.getCalendar().getUnit()
          + "@" + window.getCalendar().getTimeZone());
    }
    if (limit >= 0) {
      settings.put("limit", limit);
      settings.put("sliding", sliding);
    }
    Ledger ledger = new Ledger(keys);
    WindowLedger windowLedger = window == null ? null : new WindowLedger(keys);
    PrintWriter progress = quiet ? null : spec.commandLine().getErr();
    BenchResult result;
    try (RedisStats stats = redisStats == null ? null : new RedisStats(redisStats)) {
      CostProbe probe = new CostProbe(serverPid, stats);
      result = "redis-incrby".equals(mode) ? runDirect(workload, pace, ledger, probe, progress)
          : runGrpc(workload, pace, ledger, windowLedger, probe, progress);
    }
    Verification verification = null;
    if (verify && "redis-incrby".equals(mode)) {
      verification = DirectRedisLoad.verify(redisStats, names, ledger);
    } else if (verify) {
      try (CounterClient client = CounterClient.newBuilder().target(cli.target()).credentials(cli.credentials())
          .deadline(Duration.ofSeconds(30)).build()) {
        // Buffered increments become visible at their flush; durable ones already are.
        Duration settle = durabilityMode == Durability.DURABILITY_BUFFERED ? Duration.ofSeconds(30) : Duration.ZERO;
        verification = Verifier.verify(client, names, ledger, settle);
        if (windowLedger != null) {
          WindowVerifier.Result checked = WindowVerifier.verify(client, names, windowLedger, window, limit, sliding);
          verification = verification.withWindows(checked.periods(), checked.problems(), limit >= 0);
        }
      }
    }
    PrintWriter out = spec.commandLine().getOut();
    if (json) {
      BenchReport.json(out, settings, result, verification);
    } else {
      BenchReport.text(out, settings, result, verification);
    }
    if (verification != null && !verification.passed()) {
      throw new CliFailure("verification failed: " + verification.mismatches().size() + " counters differ from the "
          + "acknowledged deltas", ExitCodes.VERIFY_FAILED);
    }
    long failed = result.errors().values().stream().mapToLong(Long::longValue).sum();
    if (failed > maxErrorRatio * result.totalCalls()) {
      throw new CliFailure(failed + " of " + result.totalCalls() + " calls failed " + result.errors()
          + (maxErrorRatio > 0 ? ", more than --max-error-ratio " + maxErrorRatio + " allows" : ""),
          ExitCodes.CALLS_FAILED);
    }
    if (!result.drained()) {
      spec.commandLine().getErr().println("warning: some calls were still in flight when the run ended");
    }
    return 0;
  }

  private BenchResult runGrpc(LoadRunner.Workload workload, LoadRunner.Pace pace, Ledger ledger,
      WindowLedger windowLedger, CostProbe probe, PrintWriter progress) throws InterruptedException {
    List<ManagedChannel> open = openChannels();
    try {
      return new LoadRunner(open, workload, pace, ledger, windowLedger).run(progress, probe);
    } finally {
      for (ManagedChannel channel : open) {
        channel.shutdownNow();
      }
      for (ManagedChannel channel : open) {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  private BenchResult runDirect(LoadRunner.Workload workload, LoadRunner.Pace pace, Ledger ledger, CostProbe probe,
      PrintWriter progress) throws InterruptedException {
    try (DirectRedisLoad direct = new DirectRedisLoad(redisStats, channels)) {
      return new LoadRunner(direct, channels, workload, pace, ledger).run(progress, probe);
    }
  }

  private Durability durability() {
    String mode = durability != null ? durability : (cli.buffered() ? "buffered" : "durable");
    return switch (mode.toLowerCase(Locale.ROOT)) {
      case "durable" -> Durability.DURABILITY_DURABLE;
      case "buffered" -> Durability.DURABILITY_BUFFERED;
      default -> throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--durability must be durable or buffered, was " + mode);
    };
  }

  private void validate() {
    List<String> problems = new ArrayList<>();
    if (concurrency < 1 || concurrency > 100_000) {
      problems.add("--concurrency must be between 1 and 100000");
    }
    if (channels < 1 || channels > 1024) {
      problems.add("--channels must be between 1 and 1024");
    }
    if (keys < 1 || keys > 10_000_000) {
      problems.add("--keys must be between 1 and 10000000");
    }
    if (batchSize < 1 || batchSize > 10_000) {
      problems.add("--batch-size must be between 1 and 10000");
    }
    if (maxErrorRatio < 0 || maxErrorRatio > 1) {
      problems.add("--max-error-ratio must be between 0 and 1");
    }
    if (getRatio < 0 || getRatio > 1) {
      problems.add("--get-ratio must be between 0 and 1");
    }
    if (requests < 0) {
      problems.add("--requests must not be negative");
    }
    if (duration.isZero() && requests == 0) {
      problems.add("give a positive --duration or --requests");
    }
    try {
      KeyDistribution.valueOf(distribution.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      problems.add("--distribution must be hot, uniform, zipf or sequential");
    }
    if (!mode.equals("grpc") && !mode.equals("redis-incrby")) {
      problems.add("--mode must be grpc or redis-incrby");
    }
    if (mode.equals("redis-incrby") && (redisStats == null || batchSize > 1 || getRatio > 0)) {
      problems.add("--mode redis-incrby needs --redis-stats URI and takes neither --batch-size nor --get-ratio");
    }
    if (limit >= 0 && (window == null || durability() == Durability.DURABILITY_BUFFERED)) {
      problems.add("--limit needs --window, and durable increments (a decision needs Redis)");
    }
    if (sliding < 1 || sliding > 4096) {
      problems.add("--sliding must be between 1 and 4096");
    }
    if (window != null && mode.equals("redis-incrby")) {
      problems.add("--window needs --mode grpc");
    }
    if (!problems.isEmpty()) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(), String.join("; ", problems));
    }
  }

  private List<ManagedChannel> openChannels() {
    List<ManagedChannel> open = new ArrayList<>(channels);
    for (int i = 0; i < channels; i++) {
      open.add(NettyChannelBuilder.forTarget(Targets.toGrpcTarget(cli.target()), cli.credentials())
          // Completions run on the transport thread and issue the next call from there.
          .directExecutor()
          .maxInboundMessageSize(64 * 1024 * 1024)
          .defaultLoadBalancingPolicy("round_robin")
          .build());
    }
    return open;
  }
}
