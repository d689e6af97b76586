package dev.counter.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.client.CounterClient;
import dev.counter.server.devredis.RedisProcess;
import dev.counter.server.testing.ExternalCommand;
import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.TestNames;
import dev.counter.server.testing.TestServer;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.yaml.snakeyaml.Yaml;

/**
 * The operations assets in {@code deploy/monitoring}: the alerting rules pass {@code promtool check
 * rules} and their unit tests ({@code promtool test rules}); the Grafana dashboard is well formed;
 * and every metric the rules and the dashboard query is one a live node exports, so neither drifts
 * from the code. The promtool part is skipped without promtool (Debian package prometheus), unless
 * {@code COUNTER_REQUIRE_PROMTOOL=1} (CI) makes that a failure.
 */
class MonitoringAssetsIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  private static final Path MONITORING = Path.of("..", "deploy", "monitoring").toAbsolutePath().normalize();
  private static final Pattern METRIC = Pattern.compile("\\b((?:counter|grpc_server)_[a-z_]+)\\b");

  @Test
  void promtoolChecksAndUnitTestsTheAlertingRules() throws Exception {
    boolean havePromtool = ExternalCommand.onPath("promtool");
    if ("1".equals(System.getenv("COUNTER_REQUIRE_PROMTOOL"))) {
      assertThat(havePromtool).as("promtool on PATH (COUNTER_REQUIRE_PROMTOOL=1)").isTrue();
    }
    Assumptions.assumeTrue(havePromtool, "promtool is not on PATH (apt-get install prometheus): skipping");

    ExternalCommand.Result check = ExternalCommand.run(MONITORING, List.of("promtool", "check", "rules",
        "counter-alerts.yml"), Map.of(), Duration.ofMinutes(1));
    assertThat(check.exitCode()).as(check.output()).isZero();
    assertThat(check.output()).contains("SUCCESS: 5 rules found");

    ExternalCommand.Result test = ExternalCommand.run(MONITORING, List.of("promtool", "test", "rules",
        "counter-alerts.test.yml"), Map.of(), Duration.ofMinutes(1));
    assertThat(test.exitCode()).as(test.output()).isZero();
    assertThat(test.output()).contains("SUCCESS");
  }

  @Test
  void theDashboardHasAQueryPerPanelOnTheTemplatedDataSource() throws Exception {
    List<Map<String, Object>> panels = panels();

    assertThat(panels).hasSizeGreaterThanOrEqualTo(8);
    for (Map<String, Object> panel : panels) {
      assertThat((String) panel.get("title")).isNotBlank();
      assertThat(panel.get("datasource")).isEqualTo(Map.of("type", "prometheus", "uid", "${datasource}"));
      assertThat(targets(panel)).isNotEmpty().allSatisfy(target -> assertThat((String) target.get("expr")).isNotBlank());
    }
    assertThat(panels.stream().map(panel -> ((String) panel.get("title")).toLowerCase()).collect(Collectors.joining("|")))
        .contains("calls per second").contains("latency").contains("increments per flush").contains("pending")
        .contains("errors").contains("redis");
  }

  @Test
  void everyMetricTheRulesAndTheDashboardQueryIsExported() throws Exception {
    Set<String> queried = new TreeSet<>();
    queried.addAll(metricNames(Files.readString(MONITORING.resolve("counter-alerts.yml"))));
    for (Map<String, Object> panel : panels()) {
      for (Map<String, Object> target : targets(panel)) {
        queried.addAll(metricNames((String) target.get("expr")));
      }
    }
    assertThat(queried).contains("counter_redis_up", "grpc_server_call_duration_seconds_bucket");

    int metricsPort = RedisProcess.freePort();
    try (TestServer server = TestServer.start(redis.uri(), "--metrics-port", Integer.toString(metricsPort));
        CounterClient client = CounterClient.forTarget(server.target())) {
      client.increment(TestNames.unique("assets"), 1);
      Set<String> exported = exportedSampleNames(metricsPort);
      assertThat(queried).allSatisfy(name -> assertThat(exported).as("exported samples").contains(name));
    }
  }

  private static Set<String> metricNames(String text) {
    Set<String> names = new TreeSet<>();
    Matcher matcher = METRIC.matcher(text);
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  private static Set<String> exportedSampleNames(int port) throws Exception {
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + port + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    return body.lines().filter(line -> !line.startsWith("#") && !line.isBlank())
        .map(line -> line.split("[{ ]", 2)[0]).collect(Collectors.toCollection(TreeSet::new));
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> panels() throws Exception {
    try (Reader reader = Files.newBufferedReader(MONITORING.resolve("counter-dashboard.json"))) {
      // JSON is YAML: SnakeYAML (already a test dependency) reads it.
      Map<String, Object> dashboard = new Yaml().load(reader);
      assertThat(dashboard).containsEntry("uid", "counter-server");
      return new ArrayList<>((List<Map<String, Object>>) dashboard.get("panels"));
    }
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> targets(Map<String, Object> panel) {
    return (List<Map<String, Object>>) panel.get("targets");
  }
}
