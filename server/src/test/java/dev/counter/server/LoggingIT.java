package dev.counter.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.testing.RedisServerExtension;
import dev.counter.server.testing.ServerProcess;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Log lines carry full dates; --log-format json writes one JSON object per line. */
class LoggingIT {
  @RegisterExtension static final RedisServerExtension redis = RedisServerExtension.create();

  @TempDir Path logDir;

  @Test
  void textLinesStartWithAnIsoDate() throws Exception {
    try (ServerProcess node = ServerProcess.start(logDir, "--redis", redis.uri())) {
      List<String> lines = node.logText().lines().toList();
      assertThat(lines).isNotEmpty().allMatch(line -> line.matches(
          "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}(Z|[+-]\\d{2}:\\d{2}) (INFO |WARN |ERROR|DEBUG) \\[.*"));
    }
  }

  @Test
  void jsonLinesAreJsonObjects() throws Exception {
    try (ServerProcess node = ServerProcess.start(logDir, "--redis", redis.uri(), "--log-format", "json")) {
      List<String> lines = node.logText().lines().toList();
      assertThat(lines).isNotEmpty().allMatch(line -> line.startsWith("{\"timestamp\":") && line.endsWith("}"));
      assertThat(lines).anyMatch(line -> line.contains("\"level\":\"INFO\"")
          && line.contains("\"formattedMessage\":\"serving counter.v1.CounterService on port "));
    }
  }
}
