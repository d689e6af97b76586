package dev.counter.server;

import com.google.inject.Guice;
import com.google.inject.Stage;
import dev.counter.server.config.ConfigurationException;
import dev.counter.server.config.ServerConfig;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/**
 * Entry point: parse the configuration, build the node, serve until SIGTERM.
 *
 * <p>Exit codes: 0 after a graceful stop; 2 for a configuration mistake (a bad flag, a port in
 * use, a data directory in use, an unusable TLS key, Redis refusing the password, a cluster mode
 * mismatch), reported as one line on stderr without a stack trace; 1 for anything unexpected,
 * logged with its stack trace.
 */
public final class Main {
  /** The exit code of a configuration mistake. */
  public static final int CONFIGURATION_ERROR = 2;

  private Main() {}

  public static void main(String[] args) throws Exception {
    SLF4JBridgeHandler.removeHandlersForRootLogger();
    SLF4JBridgeHandler.install();
    CommandLine commandLine = ServerConfig.commandLine(System.getenv());
    ServerConfig config;
    try {
      CommandLine.ParseResult parsed = commandLine.parseArgs(args);
      if (CommandLine.printHelpIfRequested(parsed)) {
        return;
      }
      config = ServerConfig.parse(System.getenv(), args);
    } catch (CommandLine.ParameterException e) {
      exitWithConfigurationError(e.getMessage() + " (--help lists every option)");
      return;
    }
    // Logback configures itself at the first logger below, from this file if set.
    if ("json".equals(config.logFormat()) && System.getProperty("logback.configurationFile") == null) {
      System.setProperty("logback.configurationFile", "logback-json.xml");
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    CounterServer server;
    try {
      server = Guice.createInjector(Stage.PRODUCTION, ServerModules.forConfig(config)).getInstance(CounterServer.class);
      server.start();
    } catch (Exception e) {
      Optional<ConfigurationException> mistake = StartupFailure.configurationMistake(e);
      if (mistake.isPresent()) {
        // Whatever was started (the dev Redis among it) is stopped by CounterServer.start or,
        // when injection itself failed, by its shutdown hook, which System.exit runs.
        exitWithConfigurationError(mistake.get().getMessage());
        return;
      }
      log.error("cannot start: {}", rootMessage(e), e);
      System.exit(1);
      return;
    }
    // After a drain, exit 0 when it was clean and 1 when calls were cut or increments lost (not the
    // JVM's 143 for SIGTERM either way): what an orchestrator or a script can act on. Everything
    // the node started is stopped by then.
    Runtime.getRuntime().addShutdownHook(new Thread(() -> Runtime.getRuntime().halt(server.stop() ? 0 : 1),
        "counter-shutdown"));
    server.awaitTermination();
  }

  private static void exitWithConfigurationError(String message) {
    System.err.println("counter-server: " + message);
    System.exit(CONFIGURATION_ERROR);
  }

  private static String rootMessage(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getMessage();
  }
}
