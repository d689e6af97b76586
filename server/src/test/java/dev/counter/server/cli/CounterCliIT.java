package dev.counter.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.cli.CounterCli;
import dev.counter.cli.ExitCodes;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import dev.counter.v1.GetRequest;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The {@code counter} CLI, run in-process against a real node. */
class CounterCliIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static TestServer server;

  @BeforeAll
  static void start() throws Exception {
    server = TestServer.start(redis.uri());
  }

  @AfterAll
  static void stop() {
    server.stop();
  }

  @Test
  void incGetAndReset() {
    String name = TestNames.unique("cli");
    assertThat(run("inc", name, "5").out()).isEqualTo("5\n");
    assertThat(run("inc", name).out()).isEqualTo("6\n");
    assertThat(run("inc", name, "--", "-10").out()).isEqualTo("-4\n");
    assertThat(run("--buffered", "inc", name, "4").out()).isEqualTo("accepted (buffered)\n");
    assertThat(run("inc", "--request-id", "r1", name, "1").out()).isEqualTo(
        server.stub().get(GetRequest.newBuilder().setName(name).build()).getValue() + "\n");
    assertThat(run("inc", "--request-id", "r1", name, "1").out()).endsWith(" (duplicate)\n");
    Result get = run("get", name, TestNames.unique("none"));
    assertThat(get.out()).startsWith(name + "\t").contains("\t0\n");
    assertThat(run("reset", name).exitCode()).isZero();
    assertThat(run("get", name).out()).isEqualTo("0\n");
  }

  @Test
  void incWithAWindowAndALimitPrintsTheDecisionAndADenialExitsWithItsOwnCode() {
    String name = TestNames.unique("cli-limit");
    Result first = run("inc", name, "--window", "1h", "--limit", "period:max=2");
    Result second = run("inc", name, "--window", "1h", "--limit", "period:max=2");
    Result denied = run("inc", name, "--window", "1h", "--limit", "period:max=2");
    Result dryRun = run("inc", name, "0", "--window", "1h", "--limit", "period:max=5", "--dry-run");

    assertThat(first.exitCode()).isZero();
    assertThat(first.out()).startsWith("1\napplied, allowed\nwindow 0  ").contains("limit 0  sum 1  remaining 1");
    assertThat(second.out()).startsWith("2\n");
    assertThat(denied.exitCode()).isEqualTo(ExitCodes.DENIED);
    assertThat(denied.out()).startsWith("2\nnot applied, denied, retry after ").contains("EXCEEDED");
    assertThat(dryRun.exitCode()).isZero();
    assertThat(dryRun.out()).contains("not applied, allowed").contains("remaining 3");
    assertThat(run("inc", name, "--limit", "period:max=x").exitCode()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void seriesListAndDelete() {
    String prefix = TestNames.unique("cli-list") + "/";
    run("inc", prefix + "a", "3", "--window", "1m");
    run("inc", prefix + "b", "4", "--window", "1m");

    Result series = run("series", prefix + "a", "--window", "1m");
    String[] lines = series.out().split("\n");
    assertThat(lines).as("the default 60 periods").hasSize(60);
    assertThat(lines[59]).matches("\\d{4}-.*Z\t3\t#{50}");
    assertThat(run("list", prefix, "--values").out().split("\n")).as("in no particular order")
        .containsExactlyInAnyOrder(prefix + "a\t3", prefix + "b\t4");
    assertThat(run("delete", prefix + "a").out()).isEqualTo("3\n");
    assertThat(run("list", prefix).out()).isEqualTo(prefix + "b\n");
  }

  @Test
  void globalOptionsWorkBeforeAndAfterTheSubcommand() {
    String name = TestNames.unique("global");
    assertThat(run("--target", server.target(), "inc", name, "2").out()).isEqualTo("2\n");
    assertThat(run("inc", name, "2", "--deadline", "2s").out()).isEqualTo("4\n");
  }

  @Test
  void failuresPrintOneLineWithTheStatusAndExitWith64PlusItsCode() {
    Result invalid = run("inc", "", "1");
    assertThat(invalid.exitCode()).isEqualTo(64 + 3);
    assertThat(invalid.err()).isEqualTo("error: INVALID_ARGUMENT: name must not be empty [NAME_REQUIRED]\n");

    Result unreachable = runAgainst("127.0.0.1:1", "get", "x");
    assertThat(unreachable.exitCode()).isEqualTo(64 + 14);
    assertThat(unreachable.err()).startsWith("error: UNAVAILABLE");

    assertThat(run("inc").exitCode()).as("usage error").isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void aTargetWithoutAPortIsAUsageError() {
    Result result = runAgainst("localhost", "get", "x");

    assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
    assertThat(result.err()).isEqualTo("error: --target 'localhost' has no port: use HOST:PORT (e.g. 127.0.0.1:9090) "
        + "or dns:///HOST:PORT\n");
    assertThat(runAgainst(server.target() + ",localhost", "get", "x").exitCode()).isEqualTo(ExitCodes.USAGE);
  }

  @Test
  void healthPrintsTheStatusForScripts() {
    Result serving = run("health");
    assertThat(serving.exitCode()).as(serving.err()).isZero();
    assertThat(serving.out()).isEqualTo("SERVING\n");
    assertThat(run("health", "counter.v1.CounterService").out()).isEqualTo("SERVING\n");

    Result unknown = run("health", "no.such.Service");
    assertThat(unknown.exitCode()).isEqualTo(64 + 5);
    assertThat(unknown.err()).startsWith("error: NOT_FOUND");

    assertThat(runAgainst("127.0.0.1:1", "--deadline", "2s", "health").exitCode()).isEqualTo(64 + 14);
  }

  @Test
  void benchFailsWhenCallsFail() {
    Result allUnavailable = runAgainst("127.0.0.1:1", "bench", "--requests", "20", "--concurrency", "2", "--quiet");

    assertThat(allUnavailable.exitCode()).as(allUnavailable.out() + allUnavailable.err())
        .isEqualTo(ExitCodes.CALLS_FAILED);
    assertThat(allUnavailable.err()).contains("error: 20 of 20 calls failed {UNAVAILABLE=20}");
    // Within --max-error-ratio the run passes.
    assertThat(runAgainst("127.0.0.1:1", "bench", "--requests", "20", "--concurrency", "2", "--quiet",
        "--max-error-ratio", "1").exitCode()).isZero();
  }

  @Test
  void benchVerifiesEveryAcknowledgedIncrement() {
    Result result = run("bench", "--requests", "3000", "--concurrency", "32", "--keys", "50",
        "--distribution", "zipf", "--verify", "--json", "--quiet");
    assertThat(result.exitCode()).as(result.err()).isZero();
    assertThat(result.out()).contains("\"calls\":3000").contains("\"passed\":true").contains("\"exact\":true");
    assertThat(number(result.out(), "increments")).isEqualTo(3000);
  }

  @Test
  void benchCoversBatchesBufferedIncrementsAndReads() {
    Result batches = run("bench", "--requests", "200", "--batch-size", "100", "--keys", "1000", "--verify",
        "--quiet", "--json");
    assertThat(batches.out()).contains("\"passed\":true");
    assertThat(number(batches.out(), "increments")).isEqualTo(20_000);

    Result buffered = run("bench", "--requests", "2000", "--durability", "buffered", "--verify", "--quiet");
    assertThat(buffered.exitCode()).as(buffered.err()).isZero();
    assertThat(buffered.out()).contains("verify       OK").contains("latency ms   p50");

    Result mixed = run("bench", "--requests", "2000", "--get-ratio", "0.9", "--keys", "10", "--verify", "--quiet",
        "--json");
    assertThat(mixed.out()).contains("\"passed\":true");
    assertThat(number(mixed.out(), "increments")).isBetween(100L, 400L);
  }

  @Test
  void benchFailsWhenTheServerHoldsSomethingElse() {
    String prefix = TestNames.unique("tampered") + "-";
    // Someone else increments the bench's counter: the server's value no longer matches.
    server.stub().increment(dev.counter.v1.IncrementRequest.newBuilder().setName(prefix + "0").setDelta(7).build());
    Result result = run("bench", "--requests", "100", "--name-prefix", prefix, "--verify", "--quiet");
    assertThat(result.exitCode()).isEqualTo(ExitCodes.VERIFY_FAILED);
    assertThat(result.out()).contains("verify       FAILED").contains("difference 7");
  }

  private static long number(String json, String field) {
    Matcher matcher = Pattern.compile("\"" + field + "\":(\\d+)").matcher(json);
    assertThat(matcher.find()).as("%s in %s", field, json).isTrue();
    return Long.parseLong(matcher.group(1));
  }

  private static Result run(String... args) {
    return runAgainst(server.target(), args);
  }

  private static Result runAgainst(String target, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    String[] withTarget = new String[args.length + 2];
    withTarget[0] = "--target";
    withTarget[1] = target;
    System.arraycopy(args, 0, withTarget, 2, args.length);
    int code = CounterCli.run(new PrintWriter(out, true), new PrintWriter(err, true), withTarget);
    return new Result(code, out.toString(), err.toString());
  }

  private record Result(int exitCode, String out, String err) {}
}
