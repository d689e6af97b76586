package dev.counter.server.metrics;

/** What build of the server this is: the version from the jar manifest ("dev" from classes). */
public final class BuildInfo {
  private BuildInfo() {}

  /** The Implementation-Version of the server jar, or {@code dev} when run from classes. */
  public static String version() {
    String version = BuildInfo.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }
}
