package dev.counter.cli;

import dev.counter.client.CounterClient;
import dev.counter.v1.Durability;
import dev.counter.v1.IncrementRequest;
import dev.counter.v1.IncrementResponse;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code counter inc NAME [DELTA]}. */
@Command(name = "inc", mixinStandardHelpOptions = true,
    description = "Adds DELTA (default 1, may be negative) to counter NAME and prints its new value.")
final class IncCommand implements Callable<Integer> {
  @ParentCommand CounterCli cli;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The counter.")
  String name;

  @Parameters(index = "1", defaultValue = "1", paramLabel = "DELTA", description = "Signed int64 to add (default: 1).")
  long delta;

  @Option(names = "--request-id", paramLabel = "ID",
      description = "Idempotency key; a repeat applies nothing and prints the first value (default: a random one).")
  String requestId;

  @Override
  public Integer call() {
    boolean buffered = cli.buffered();
    IncrementRequest.Builder request = IncrementRequest.newBuilder().setName(name).setDelta(delta)
        .setDurability(buffered ? Durability.DURABILITY_BUFFERED : Durability.DURABILITY_DURABLE);
    if (requestId != null) {
      request.setRequestId(requestId);
    }
    try (CounterClient client = cli.client()) {
      IncrementResponse response = client.increment(request.build());
      if (buffered) {
        spec.commandLine().getOut().println("accepted (buffered)");
      } else {
        spec.commandLine().getOut().println(response.getValue() + (response.getDuplicate() ? " (duplicate)" : ""));
      }
    }
    return 0;
  }
}
