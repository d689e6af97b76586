package dev.counter.server;

import com.google.inject.Guice;
import com.google.inject.Stage;
import dev.counter.server.config.ServerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import picocli.CommandLine;

/** Entry point: parse the configuration, build the node, serve until SIGTERM. */
public final class Main {
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
      System.err.println(e.getMessage());
      System.err.println("Run with --help for every option.");
      System.exit(2);
      return;
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    CounterServer server;
    try {
      server = Guice.createInjector(Stage.PRODUCTION, ServerModules.forConfig(config)).getInstance(CounterServer.class);
      server.start();
    } catch (RuntimeException e) {
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

  private static String rootMessage(Throwable error) {
    Throwable cause = error;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getMessage();
  }
}
