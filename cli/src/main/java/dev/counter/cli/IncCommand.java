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
    description = {"Adds DELTA (default 1, may be negative) to counter NAME and prints its new value.",
        "With --window, --limit, --ttl: also prints each window's period and each limit's sum and remainder; a "
            + "denied increment prints 'denied' and when to retry, and exits " + ExitCodes.DENIED + "."})
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

  @picocli.CommandLine.Mixin PolicyOptions policy;

  @Override
  public Integer call() {
    boolean buffered = cli.buffered();
    IncrementRequest.Builder request = IncrementRequest.newBuilder().setName(name).setDelta(delta)
        .setDurability(buffered ? Durability.DURABILITY_BUFFERED : Durability.DURABILITY_DURABLE);
    if (requestId != null) {
      request.setRequestId(requestId);
    }
    policy.applyTo(request);
    IncrementRequest sent = request.build();
    try (CounterClient client = cli.client()) {
      IncrementResponse response = client.increment(sent);
      java.io.PrintWriter out = spec.commandLine().getOut();
      if (buffered) {
        out.println("accepted (buffered)");
        return 0;
      }
      out.println(response.getValue() + (response.getDuplicate() ? " (duplicate)" : ""));
      if (sent.getWindowsCount() == 0 && sent.getLimitsCount() == 0) {
        return 0;
      }
      out.println(describe(sent, response));
      boolean denied = response.getDecision() == dev.counter.v1.Decision.DECISION_DENIED && !response.getApplied();
      return denied ? ExitCodes.DENIED : 0;
    }
  }

  /** The decision, each window's period and each limit, one line each. */
  static String describe(IncrementRequest request, IncrementResponse response) {
    StringBuilder text = new StringBuilder();
    text.append(response.getApplied() ? "applied" : "not applied");
    switch (response.getDecision()) {
      case DECISION_ALLOWED -> text.append(", allowed");
      case DECISION_DENIED -> text.append(", denied");
      default -> { }
    }
    if (response.hasRetryAfter()) {
      text.append(", retry after ").append(Times.duration(response.getRetryAfter()));
    } else if (response.getDecision() == dev.counter.v1.Decision.DECISION_DENIED) {
      text.append(", will not fit by waiting");
    }
    for (int i = 0; i < response.getWindowsCount(); i++) {
      dev.counter.v1.WindowPeriod period = response.getWindows(i);
      text.append(System.lineSeparator()).append("window ").append(i).append("  ")
          .append(Times.period(period.getPeriod())).append("  ").append(period.getValue());
    }
    for (int i = 0; i < response.getLimitsCount(); i++) {
      dev.counter.v1.LimitStatus limit = response.getLimits(i);
      text.append(System.lineSeparator()).append("limit ").append(i).append("  sum ").append(limit.getSum())
          .append("  remaining ").append(limit.getRemaining());
      if (limit.hasCovered()) {
        text.append("  over ").append(Times.period(limit.getCovered()));
      }
      if (limit.getExceeded()) {
        text.append("  EXCEEDED");
      }
    }
    return text.toString();
  }
}
