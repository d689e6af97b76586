package dev.counter.cli;

import dev.counter.client.CounterClient;
import dev.counter.v1.CounterValue;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code counter list [PREFIX]}. */
@Command(name = "list", mixinStandardHelpOptions = true,
    description = "Prints the name of every counter starting with PREFIX (all of them without one), one per line, in "
        + "no particular order; "
        + "with --values, NAME<TAB>VALUE. Names are printed exactly as stored (tabs and newlines included).")
final class ListCommand implements Callable<Integer> {
  @ParentCommand CounterCli cli;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", arity = "0..1", defaultValue = "", paramLabel = "PREFIX", description = "Name prefix.")
  String prefix;

  @Option(names = "--values", description = "Also print each counter's value.")
  boolean values;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (CounterClient client = cli.client()) {
      for (CounterValue counter : client.listAll(prefix, values)) {
        out.println(values ? counter.getName() + "\t" + counter.getValue() : counter.getName());
      }
    }
    return 0;
  }
}
