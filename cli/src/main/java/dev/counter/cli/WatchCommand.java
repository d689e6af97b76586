package dev.counter.cli;

import dev.counter.client.CounterClient;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code counter watch NAME}. */
@Command(name = "watch", mixinStandardHelpOptions = true,
    description = "Prints the value of counter NAME, then every new value, until interrupted (or --count values).")
final class WatchCommand implements Callable<Integer> {
  @ParentCommand CounterCli cli;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The counter.")
  String name;

  @Option(names = "--min-interval", converter = DurationOption.class, paramLabel = "DURATION",
      description = "At most one value per interval (server default: 100ms).")
  Duration minInterval;

  @Option(names = {"-n", "--count"}, defaultValue = "0", paramLabel = "N",
      description = "Stop after N values (default: never).")
  long count;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    try (CounterClient client = cli.client();
        CounterClient.WatchHandle watch = client.watch(name, minInterval, events::add, events::add)) {
      for (long received = 0; count == 0 || received < count; received++) {
        Object event = events.take();
        if (event instanceof StatusRuntimeException error) {
          throw error;
        }
        if (event instanceof Throwable error) {
          throw new CliFailure(error.toString(), 1);
        }
        out.println(event);
        out.flush();
      }
    }
    return 0;
  }
}
