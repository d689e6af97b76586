package dev.counter.cli;

import dev.counter.client.CounterClient;
import dev.counter.v1.Bucket;
import dev.counter.v1.Window;
import java.io.PrintWriter;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code counter series NAME --window W}: a window's buckets as a small text chart. */
@Command(name = "series", mixinStandardHelpOptions = true,
    description = "Prints a window's buckets, oldest first, one line each with a bar: "
        + "PERIOD-START<TAB>VALUE<TAB>bar. Periods without increments print 0.")
final class SeriesCommand implements Callable<Integer> {
  private static final int BAR_WIDTH = 50;

  @ParentCommand CounterCli cli;
  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Parameters(index = "0", paramLabel = "NAME", description = "The counter.")
  String name;

  @Option(names = "--window", required = true, paramLabel = "WINDOW", converter = WindowOption.class,
      description = "The window: 1s, 5m, 1h, 1d, or day, week, month, year with an optional @ZONE.")
  Window window;

  @Option(names = "--from", paramLabel = "INSTANT",
      description = "First period: the one containing this ISO-8601 instant (default: 60 periods before --to).")
  String from;

  @Option(names = "--to", paramLabel = "INSTANT",
      description = "Last period: the one containing this ISO-8601 instant (default: the current period).")
  String to;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    try (CounterClient client = cli.client()) {
      List<Bucket> buckets = client.series(name, window, instant(from, "--from"), instant(to, "--to"));
      long largest = 1;
      for (Bucket bucket : buckets) {
        largest = Math.max(largest, Math.abs(bucket.getValue()));
      }
      for (Bucket bucket : buckets) {
        int width = (int) Math.round((double) Math.abs(bucket.getValue()) * BAR_WIDTH / largest);
        out.println(Times.instant(bucket.getPeriod().getStart()) + "\t" + bucket.getValue() + "\t"
            + (bucket.getValue() < 0 ? "-" : "#").repeat(width));
      }
    }
    return 0;
  }

  private static Instant instant(String text, String option) {
    if (text == null) {
      return null;
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      throw new CliFailure(option + " '" + text + "' is not an ISO-8601 instant like 2026-12-01T10:00:00Z",
          ExitCodes.USAGE);
    }
  }
}
