package dev.counter.cli;

import dev.counter.client.CounterClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code counter delete NAME}. */
@Command(name = "delete", mixinStandardHelpOptions = true,
    description = "Removes counter NAME and everything it owns (windows, idempotency records) and prints the value "
        + "it had. Unlike reset, its windows go too.")
final class DeleteCommand implements Callable<Integer> {
  @ParentCommand CounterCli cli;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The counter.")
  String name;

  @Override
  public Integer call() {
    try (CounterClient client = cli.client()) {
      spec.commandLine().getOut().println(client.delete(name));
    }
    return 0;
  }
}
