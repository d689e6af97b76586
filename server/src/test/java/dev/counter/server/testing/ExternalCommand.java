package dev.counter.server.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Runs a program the way a user would from a shell, for tests of scripts and other-language clients. */
public final class ExternalCommand {
  private ExternalCommand() {}

  /** How a command ended: its exit code (-1 when it timed out and was killed) and its output. */
  public record Result(int exitCode, String output) {}

  /** Whether {@code program} is an executable on PATH. */
  public static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(java.io.File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Runs {@code command} in {@code directory} with {@code env} added to this process's environment,
   * stdout and stderr together, killing it after {@code timeout}.
   */
  public static Result run(Path directory, List<String> command, Map<String, String> env, Duration timeout)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("command-", ".log");
    try {
      ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
          .redirectErrorStream(true).redirectOutput(log.toFile());
      builder.environment().putAll(env);
      Process process = builder.start();
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly();
        return new Result(-1, "timed out after " + timeout + "\n" + Files.readString(log, StandardCharsets.UTF_8));
      }
      return new Result(process.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    } finally {
      Files.deleteIfExists(log);
    }
  }
}
