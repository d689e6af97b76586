package dev.counter.cli;

import dev.counter.cli.bench.BenchCommand;
import dev.counter.client.CounterClient;
import java.time.Duration;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code counter}: increments, reads and resets counters from a shell, checks health, and
 * load-tests the service ({@code counter bench}). A failed call prints one line with its gRPC
 * status to stderr and exits with 64 plus the status code (UNAVAILABLE exits 78); the other exit
 * codes are in {@link ExitCodes}.
 */
@Command(
    name = "counter",
    mixinStandardHelpOptions = true,
    versionProvider = CounterCli.Version.class,
    description = "Talks to counter.v1.CounterService.",
    subcommands = {IncCommand.class, GetCommand.class, ResetCommand.class, WatchCommand.class, SeriesCommand.class,
        ListCommand.class, DeleteCommand.class, HealthCommand.class,
        BenchCommand.class,
        dev.counter.cli.bench.BaselineServerCommand.class, dev.counter.cli.bench.BenchReportCommand.class},
    usageHelpAutoWidth = true)
public final class CounterCli {
  @Option(names = "--target", defaultValue = "127.0.0.1:9090", paramLabel = "HOST:PORT", scope = ScopeType.INHERIT,
      description = "Server(s) to call: host:port, dns:///host:port or host1:port1,host2:port2 (round robin) "
          + "(default: ${DEFAULT-VALUE}).")
  String target;

  @Option(names = "--deadline", defaultValue = "5s", converter = DurationOption.class, paramLabel = "DURATION",
      scope = ScopeType.INHERIT, description = "Deadline of each call, e.g. 500ms, 5s (default: ${DEFAULT-VALUE}).")
  Duration deadline;

  @Option(names = "--tls-ca", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "Use TLS, trusting these PEM CA certificates (the server's CA).")
  java.nio.file.Path tlsCa;

  @Option(names = "--tls-cert", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "PEM client certificate chain, for servers that require mutual TLS (with --tls-key).")
  java.nio.file.Path tlsCert;

  @Option(names = "--tls-key", scope = ScopeType.INHERIT, paramLabel = "FILE",
      description = "PEM private key (PKCS#8) of --tls-cert.")
  java.nio.file.Path tlsKey;

  @Option(names = "--buffered", scope = ScopeType.INHERIT,
      description = "Increments return once the server accepted them into its buffer (no value).")
  boolean buffered;

  private CounterCli() {}

  /**
   * The --target, checked: each {@code host:port} of it needs its port (without one, gRPC would
   * quietly pick 443 or 80). Targets with a scheme ({@code dns:///}) pass as they are.
   */
  public String target() {
    if (!target.contains("://")) {
      for (String hostPort : target.split(",")) {
        String trimmed = hostPort.trim();
        int colon = trimmed.lastIndexOf(':');
        boolean bracketedV6WithoutPort = trimmed.startsWith("[") && trimmed.endsWith("]");
        if (colon <= 0 || colon == trimmed.length() - 1 || bracketedV6WithoutPort
            || !trimmed.substring(colon + 1).chars().allMatch(Character::isDigit)) {
          throw new CliFailure("--target '" + trimmed + "' has no port: use HOST:PORT (e.g. 127.0.0.1:9090) or "
              + "dns:///HOST:PORT", ExitCodes.USAGE);
        }
      }
    }
    return target;
  }

  public Duration deadline() {
    return deadline;
  }

  public boolean buffered() {
    return buffered;
  }

  /** A client with these settings (retries on, as for any user of CounterClient). */
  public CounterClient client() {
    return CounterClient.newBuilder().target(target()).deadline(deadline).credentials(credentials()).build();
  }

  /** Plaintext, or TLS when --tls-ca or --tls-cert is given. */
  public io.grpc.ChannelCredentials credentials() {
    if (tlsCa == null && tlsCert == null) {
      return io.grpc.InsecureChannelCredentials.create();
    }
    try {
      io.grpc.TlsChannelCredentials.Builder tls = io.grpc.TlsChannelCredentials.newBuilder();
      if (tlsCa != null) {
        tls.trustManager(tlsCa.toFile());
      }
      if (tlsCert != null) {
        if (tlsKey == null) {
          throw new CliFailure("--tls-cert needs --tls-key", ExitCodes.USAGE);
        }
        tls.keyManager(tlsCert.toFile(), tlsKey.toFile());
      }
      return tls.build();
    } catch (java.io.IOException e) {
      throw new CliFailure("cannot read the TLS files: " + e.getMessage(), ExitCodes.USAGE);
    }
  }

  public static void main(String[] args) {
    System.exit(run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args));
  }

  /** Runs the CLI with the given streams and returns its exit code (for tests). */
  public static int run(PrintWriter out, PrintWriter err, String... args) {
    CommandLine commandLine = new CommandLine(new CounterCli());
    // A flag given twice takes its last value, so wrappers and aliases can append overrides.
    commandLine.setOverwrittenOptionsAllowed(true);
    commandLine.setOut(out);
    commandLine.setErr(err);
    commandLine.setExecutionExceptionHandler((error, cli, parseResult) -> {
      if (error instanceof StatusRuntimeException status) {
        cli.getErr().println(StatusLine.format(status));
        return ExitCodes.forStatus(status.getStatus().getCode());
      }
      if (error instanceof CliFailure failure) {
        cli.getErr().println("error: " + failure.getMessage());
        return failure.exitCode();
      }
      throw error;
    });
    return commandLine.execute(args);
  }

  /** Prints the implementation version from the jar manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = CounterCli.class.getPackage().getImplementationVersion();
      return new String[] {"counter " + (version == null ? "dev" : version)};
    }
  }
}
