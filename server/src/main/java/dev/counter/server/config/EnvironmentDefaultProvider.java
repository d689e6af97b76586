package dev.counter.server.config;

import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Reads the default of every option from an environment variable named after its longest flag:
 * {@code --redis-timeout} reads {@code COUNTER_REDIS_TIMEOUT}. A flag on the command line still
 * wins; without either, the option's declared default applies.
 */
public final class EnvironmentDefaultProvider implements IDefaultValueProvider {
  private final Map<String, String> environment;

  /** Reads the process environment. Picocli instantiates it through this constructor. */
  public EnvironmentDefaultProvider() {
    this(System.getenv());
  }

  /** Reads the given environment (tests pass their own). */
  public EnvironmentDefaultProvider(Map<String, String> environment) {
    this.environment = Map.copyOf(environment);
  }

  /** The environment variable that sets {@code longOption}, e.g. {@code COUNTER_PORT} for {@code --port}. */
  public static String variableFor(String longOption) {
    return "COUNTER_" + longOption.replaceFirst("^-+", "").replace('-', '_').toUpperCase(java.util.Locale.ROOT);
  }

  @Override
  public String defaultValue(ArgSpec argSpec) {
    if (argSpec instanceof OptionSpec option) {
      String fromEnvironment = environment.get(variableFor(option.longestName()));
      if (fromEnvironment != null && !fromEnvironment.isBlank()) {
        return fromEnvironment;
      }
    }
    return argSpec.defaultValue();
  }
}
