package dev.counter.cli;

import dev.counter.client.CounterClient;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code counter reset NAME}. */
@Command(name = "reset", mixinStandardHelpOptions = true,
    description = "Sets counter NAME to 0 and prints the value it had.")
final class ResetCommand implements Callable<Integer> {
  @ParentCommand CounterCli cli;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The counter.")
  String name;

  @Override
  public Integer call() {
    try (CounterClient client = cli.client()) {
      spec.commandLine().getOut().println(client.reset(name));
    }
    return 0;
  }
}
