package dev.counter.cli.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code counter bench-report}: turns the JSON lines of a harness run ({@code counter bench
 * --json --label SCENARIO/TARGET}) into {@code report.md} (scenario table, bars checked),
 * {@code results.csv} and {@code chart.png} (throughput and Redis commands per increment against
 * concurrency). Benchmark tooling only.
 */
@Command(name = "bench-report", hidden = true, mixinStandardHelpOptions = true,
    description = "Writes report.md, results.csv and chart.png from the JSON lines of a harness run.")
public final class BenchReportCommand implements Callable<Integer> {
  @Option(names = "--in", required = true, description = "JSON lines written by counter bench --json --label.")
  Path in;

  @Option(names = "--out", required = true, description = "Directory for report.md, results.csv, chart.png.")
  Path out;

  @Option(names = "--rss-mib", defaultValue = "-1", description = "Server RSS after 1,000,000 distinct counters, MiB.")
  double rssMib;

  @Option(names = "--title", defaultValue = "Benchmark", description = "Report title.")
  String title;

  @Option(names = "--notes", description = "A file whose text is appended to the report (machine, versions...).")
  Path notes;

  /** One run of the harness. */
  record Run(String scenario, String target, Map<String, String> fields) {
    double number(String key) {
      String value = fields.get(key);
      return value == null ? Double.NaN : Double.parseDouble(value);
    }

    String text(String key) {
      return fields.getOrDefault(key, "");
    }
  }

  private static final Pattern FIELD = Pattern.compile("\"([a-z0-9_.]+)\":(\"[^\"]*\"|-?[0-9.]+|true|false)");

  @Override
  public Integer call() throws IOException {
    List<Run> runs = new ArrayList<>();
    for (String line : Files.readAllLines(in, StandardCharsets.UTF_8)) {
      if (!line.startsWith("{")) {
        continue;
      }
      Map<String, String> fields = new LinkedHashMap<>();
      Matcher matcher = FIELD.matcher(line);
      while (matcher.find()) {
        fields.putIfAbsent(matcher.group(1), matcher.group(2).replace("\"", ""));
      }
      String label = fields.getOrDefault("label", "unlabelled/unknown");
      int slash = label.lastIndexOf('/');
      runs.add(new Run(label.substring(0, Math.max(0, slash)), label.substring(slash + 1), fields));
    }
    Files.createDirectories(out);
    writeCsv(runs);
    writeChart(runs);
    writeMarkdown(runs);
    System.out.println("wrote " + out.resolve("report.md") + ", results.csv, chart.png");
    return 0;
  }

  private Run find(List<Run> runs, String scenario, String target) {
    for (Run run : runs) {
      if (run.scenario().equals(scenario) && run.target().equals(target)) {
        return run;
      }
    }
    return null;
  }

  private void writeCsv(List<Run> runs) throws IOException {
    StringBuilder csv = new StringBuilder("scenario,target,concurrency,channels,keys,distribution,durability,batch_size,"
        + "get_ratio,calls_per_second,increments_per_second,p50_ms,p90_ms,p99_ms,p999_ms,max_ms,"
        + "redis_commands_per_increment,verify_passed\n");
    for (Run run : runs) {
      csv.append(String.join(",", run.scenario(), run.target(), run.text("concurrency"), run.text("channels"),
          run.text("keys"), run.text("distribution"), run.text("durability"), run.text("batch_size"),
          run.text("get_ratio"), run.text("calls_per_second"), run.text("increments_per_second"), run.text("p50"),
          run.text("p90"), run.text("p99"), run.text("p99.9"), run.text("max"),
          run.text("redis_commands_per_increment"), run.text("passed"))).append('\n');
    }
    Files.writeString(out.resolve("results.csv"), csv, StandardCharsets.UTF_8);
  }

  private void writeMarkdown(List<Run> runs) throws IOException {
    StringBuilder md = new StringBuilder("# ").append(title).append("\n\n");
    md.append("Server CPU is the CPU time of the server process under test (all its threads, from /proc) in the "
        + "measured window, per call (per increment sent for BatchIncrement); Redis CPU is Redis's own CPU time "
        + "(INFO cpu) in the same window, per acknowledged increment (per call for the Get scenarios).\n\n");
    md.append("| scenario | baseline calls/s | counter calls/s | ratio | p50 ms (base / counter) | p99 ms (base / counter) "
        + "| server µs CPU (base / counter) | CPU ratio | Redis µs CPU | Redis cmds / increment | verify |\n"
        + "|---|---|---|---|---|---|---|---|---|---|---|\n");
    List<String> scenarios = new ArrayList<>();
    for (Run run : runs) {
      if (!scenarios.contains(run.scenario())) {
        scenarios.add(run.scenario());
      }
    }
    for (String scenario : scenarios) {
      Run base = find(runs, scenario, "baseline");
      Run counter = find(runs, scenario, "counter");
      Run other = counter != null ? counter : find(runs, scenario, "redis-incrby");
      if (other == null) {
        continue;
      }
      String cpuField = cpuField(other);
      String redisField = reads(other) ? "redis_cpu_us_per_call" : "redis_cpu_us_per_increment";
      md.append("| ").append(scenario).append(other == counter ? "" : " (" + other.target() + ")").append(" | ")
          .append(base == null ? "" : fmt("%,.0f", base.number("calls_per_second"))).append(" | ")
          .append(fmt("%,.0f", other.number("calls_per_second"))).append(" | ")
          .append(base == null ? "" : fmt("%.2f", other.number("calls_per_second") / base.number("calls_per_second")))
          .append(" | ").append(base == null ? "" : fmt("%.3f", base.number("p50")) + " / ").append(fmt("%.3f", other.number("p50")))
          .append(" | ").append(base == null ? "" : fmt("%.3f", base.number("p99")) + " / ")
          .append(fmt("%.3f", other.number("p99"))).append(" | ")
          .append(base == null || !base.fields().containsKey(cpuField) ? "" : fmt("%.2f", base.number(cpuField)) + " / ")
          .append(other.fields().containsKey(cpuField) ? fmt("%.2f", other.number(cpuField)) : "").append(" | ")
          .append(base == null || !base.fields().containsKey(cpuField) ? ""
              : fmt("%.2f", other.number(cpuField) / base.number(cpuField))).append(" | ")
          .append(other.fields().containsKey(redisField) ? fmt("%.2f", other.number(redisField)) : "").append(" | ")
          .append(other.fields().containsKey("redis_commands_per_increment")
              ? fmt("%.4f", other.number("redis_commands_per_increment")) : "")
          .append(" | ").append(other.text("passed").isEmpty() ? "" : "true".equals(other.text("passed")) ? "ok" : "FAILED")
          .append(" |\n");
    }
    md.append("\n## Bars\n\n| bar | measured | met |\n|---|---|---|\n");
    barValue(md, "server CPU per durable Increment, hot key C=256: ≤ 1.25 × baseline", cpuRatio(runs, "s2-c256"), 1.25,
        false);
    barValue(md, "server CPU per durable Increment, 10,000 keys uniform C=256: ≤ 1.25 × baseline",
        cpuRatio(runs, "s3"), 1.25, false);
    barValue(md, "server CPU per BatchIncrement item (×100, C=16, 10k keys): ≤ 3 × baseline", cpuRatio(runs, "s5"), 3,
        false);
    barValue(md, "server CPU per Get (90% Get, C=64, 1k keys): ≤ 1.4 × baseline", cpuRatio(runs, "s6"), 1.4, false);
    barValue(md, "Redis CPU per increment, hot key C=256: ≤ 0.5 µs",
        value(runs, "s2-c256", "counter", "redis_cpu_us_per_increment"), 0.5, false);
    barValue(md, "Redis CPU per increment, 10,000 keys uniform: ≤ 2.0 µs",
        value(runs, "s3", "counter", "redis_cpu_us_per_increment"), 2.0, false);
    barValue(md, "Redis CPU per BatchIncrement item: ≤ 1.5 µs", value(runs, "s5", "counter", "redis_cpu_us_per_increment"),
        1.5, false);
    barValue(md, "durable hot key C=256: ≥ 0.85 of baseline calls/s", ratio(runs, "s2-c256"), 0.85, true);
    barValue(md, "10,000 keys uniform C=256: ≥ 0.70 of baseline calls/s", ratio(runs, "s3"), 0.70, true);
    barValue(md, "90% Get C=64 1k keys: ≥ 0.80 of baseline calls/s", ratio(runs, "s6"), 0.80, true);
    barValue(md, "limited increments (l1), hot key C=256: ≥ 0.8 of plain increments' calls/s (s2-c256)",
        counterRatio(runs, "l1", "s2-c256"), 0.8, true);
    barValue(md, "sliding limit over 60 buckets (l2), hot key C=256: ≥ 0.8 of plain increments' calls/s (s2-c256)",
        counterRatio(runs, "l2", "s2-c256"), 0.8, true);
    Run s1Base = find(runs, "s1", "baseline");
    Run s1 = find(runs, "s1", "counter");
    if (s1Base != null && s1 != null) {
      barValue(md, "C=1: p50 ≤ baseline p50 + 0.15 ms (shown: counter p50 − baseline p50, ms)",
          s1.number("p50") - s1Base.number("p50"), 0.15, false);
    }
    if (rssMib >= 0) {
      barValue(md, "server RSS after 1,000,000 distinct counters ≤ 512 MiB", rssMib, 512, false);
    }
    md.append("\n![throughput and Redis commands per increment against concurrency](chart.png)\n");
    if (notes != null && Files.exists(notes)) {
      md.append("\n").append(Files.readString(notes));
    }
    Files.writeString(out.resolve("report.md"), md, StandardCharsets.UTF_8);
  }

  private static void barValue(StringBuilder md, String text, double measured, double limit, boolean atLeast) {
    String met = Double.isNaN(measured) ? "not run" : (atLeast ? measured >= limit : measured <= limit) ? "yes" : "NO";
    md.append("| ").append(text).append(" | ").append(Double.isNaN(measured) ? "" : fmt("%,.3f", measured))
        .append(" | ").append(met).append(" |\n");
  }

  private double ratio(List<Run> runs, String scenario) {
    Run base = find(runs, scenario, "baseline");
    Run counter = find(runs, scenario, "counter");
    return base == null || counter == null ? Double.NaN
        : counter.number("calls_per_second") / base.number("calls_per_second");
  }

  /** The server CPU field a scenario is judged by: per item for batches, per call otherwise. */
  private static String cpuField(Run run) {
    return "1".equals(run.text("batch_size")) || run.text("batch_size").isEmpty() ? "server_cpu_us_per_call"
        : "server_cpu_us_per_item";
  }

  private static boolean reads(Run run) {
    return !run.text("get_ratio").isEmpty() && Double.parseDouble(run.text("get_ratio")) >= 0.5;
  }

  private double cpuRatio(List<Run> runs, String scenario) {
    Run base = find(runs, scenario, "baseline");
    Run counter = find(runs, scenario, "counter");
    if (base == null || counter == null) {
      return Double.NaN;
    }
    String field = cpuField(counter);
    return counter.number(field) / base.number(field);
  }

  /** Counter calls/s of {@code scenario} over those of {@code reference}. */
  private double counterRatio(List<Run> runs, String scenario, String reference) {
    Run run = find(runs, scenario, "counter");
    Run ref = find(runs, reference, "counter");
    return run == null || ref == null ? Double.NaN : run.number("calls_per_second") / ref.number("calls_per_second");
  }

  private double value(List<Run> runs, String scenario, String target, String field) {
    Run run = find(runs, scenario, target);
    return run == null ? Double.NaN : run.number(field);
  }

  /** Hot-key, durable, one increment per call, default server settings: the concurrency sweep. */
  private static boolean inSweep(Run run) {
    return !run.scenario().contains("linger") && "hot".equals(run.text("distribution")) && "durable".equals(run.text("durability"))
        && "1".equals(run.text("batch_size")) && Double.parseDouble(run.text("get_ratio").isEmpty() ? "0"
            : run.text("get_ratio")) == 0 && "1".equals(run.text("channels"));
  }

  private void writeChart(List<Run> runs) throws IOException {
    Map<String, TreeMap<Integer, Double>> throughput = new LinkedHashMap<>();
    TreeMap<Integer, Double> commandsPerIncrement = new TreeMap<>();
    for (Run run : runs) {
      if (!inSweep(run) || run.text("concurrency").isEmpty()) {
        continue;
      }
      int concurrency = Integer.parseInt(run.text("concurrency"));
      throughput.computeIfAbsent(run.target(), t -> new TreeMap<>()).put(concurrency, run.number("calls_per_second"));
      if ("counter".equals(run.target()) && run.fields().containsKey("redis_commands_per_increment")) {
        commandsPerIncrement.put(concurrency, run.number("redis_commands_per_increment"));
      }
    }
    int width = 1100;
    int height = 480;
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, width, height);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    Color[] colors = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0x9467bd)};
    panel(g, 60, 40, 460, 360, "calls/s (hot key, durable) vs concurrency", throughput, colors, false);
    Map<String, TreeMap<Integer, Double>> commands = new LinkedHashMap<>();
    commands.put("counter", commandsPerIncrement);
    panel(g, 610, 40, 460, 360, "Redis commands per increment vs concurrency", commands,
        new Color[] {new Color(0xd62728)}, true);
    g.dispose();
    ImageIO.write(image, "png", out.resolve("chart.png").toFile());
  }

  private static void panel(Graphics2D g, int x0, int y0, int w, int h, String caption,
      Map<String, TreeMap<Integer, Double>> series, Color[] colors, boolean logY) {
    g.setColor(Color.BLACK);
    g.drawString(caption, x0, y0 - 15);
    g.drawRect(x0, y0, w, h);
    double maxX = 1;
    double maxY = 0;
    double minY = Double.MAX_VALUE;
    for (TreeMap<Integer, Double> points : series.values()) {
      for (Map.Entry<Integer, Double> point : points.entrySet()) {
        maxX = Math.max(maxX, point.getKey());
        if (!point.getValue().isNaN()) {
          maxY = Math.max(maxY, point.getValue());
          minY = Math.min(minY, point.getValue());
        }
      }
    }
    if (maxY == 0) {
      g.drawString("no data", x0 + w / 2 - 20, y0 + h / 2);
      return;
    }
    double logMaxX = Math.log(maxX) / Math.log(2);
    double step = niceStep(maxY / 6);
    double top = logY ? Math.ceil(Math.log10(maxY)) : Math.ceil(maxY * 1.05 / step) * step;
    double bottom = logY ? Math.floor(Math.log10(Math.max(minY, 1e-6))) : 0;
    if (top <= bottom) {
      top = bottom + 1;
    }
    for (int tick = 0; tick <= (int) logMaxX; tick += 1) {
      int x = x0 + (int) (w * (logMaxX == 0 ? 0 : tick / logMaxX));
      g.setColor(new Color(0xdddddd));
      g.drawLine(x, y0, x, y0 + h);
      g.setColor(Color.BLACK);
      g.drawString(Integer.toString(1 << tick), x - 8, y0 + h + 15);
    }
    // A log axis gets one tick per decade (0.01, 0.1, 1...), a linear one round steps.
    int steps = (int) Math.round(logY ? top - bottom : top / step);
    for (int i = 0; i <= steps; i++) {
      double value = bottom + (top - bottom) * i / steps;
      int y = y0 + h - (int) (h * i / (double) steps);
      g.setColor(new Color(0xdddddd));
      g.drawLine(x0, y, x0 + w, y);
      g.setColor(Color.BLACK);
      String label = logY ? BigDecimal.valueOf(1, (int) -Math.round(value)).stripTrailingZeros().toPlainString()
          : fmt("%,.0f", value);
      g.drawString(label, x0 - 55, y + 4);
    }
    g.drawString("concurrency (calls in flight)", x0 + w / 2 - 80, y0 + h + 32);
    int legend = 0;
    int colorIndex = 0;
    for (Map.Entry<String, TreeMap<Integer, Double>> entry : series.entrySet()) {
      Color color = colors[colorIndex++ % colors.length];
      g.setColor(color);
      g.setStroke(new BasicStroke(2f));
      int[] previous = null;
      for (Map.Entry<Integer, Double> point : entry.getValue().entrySet()) {
        if (point.getValue().isNaN() || point.getValue() <= 0 && logY) {
          continue;
        }
        double yValue = logY ? Math.log10(point.getValue()) : point.getValue();
        int x = x0 + (int) (w * (logMaxX == 0 ? 0 : (Math.log(point.getKey()) / Math.log(2)) / logMaxX));
        int y = y0 + h - (int) (h * (yValue - bottom) / (top - bottom));
        g.fillOval(x - 3, y - 3, 7, 7);
        if (previous != null) {
          g.drawLine(previous[0], previous[1], x, y);
        }
        previous = new int[] {x, y};
      }
      g.drawString(entry.getKey(), x0 + 10, y0 + 18 + 16 * legend++);
    }
    g.setStroke(new BasicStroke(1f));
  }

  /** The smallest 1, 2, 2.5 or 5 × 10^k at least {@code raw}: round axis steps. */
  private static double niceStep(double raw) {
    double decade = Math.pow(10, Math.floor(Math.log10(raw)));
    for (double mantissa : new double[] {1, 2, 2.5, 5, 10}) {
      if (mantissa * decade >= raw) {
        return mantissa * decade;
      }
    }
    return 10 * decade;
  }

  private static String fmt(String format, double value) {
    return String.format(Locale.ROOT, format, value);
  }
}
