package dev.counter.server.testing;

import java.util.UUID;

/** Counter names no other test uses, so tests share one Redis without interfering. */
public final class TestNames {
  private TestNames() {}

  public static String unique(String hint) {
    return hint + "-" + UUID.randomUUID();
  }
}
