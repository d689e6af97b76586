package dev.counter.cli;

import dev.counter.client.CounterClient;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code counter get NAME...}. */
@Command(name = "get", mixinStandardHelpOptions = true,
    description = "Prints the value of each counter: just the value for one name, NAME<TAB>VALUE lines for several.")
final class GetCommand implements Callable<Integer> {
  @ParentCommand CounterCli cli;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(arity = "1..*", paramLabel = "NAME", description = "Counters to read.")
  List<String> names;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (CounterClient client = cli.client()) {
      if (names.size() == 1) {
        out.println(client.get(names.get(0)));
        return 0;
      }
      List<Long> values = client.batchGet(names);
      for (int i = 0; i < names.size(); i++) {
        out.println(names.get(i) + "\t" + values.get(i));
      }
    }
    return 0;
  }
}
