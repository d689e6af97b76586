package dev.counter.client;

import java.nio.ByteBuffer;
import java.util.Base64;
import java.util.concurrent.ThreadLocalRandom;

/** Generates request ids: 128 random bits, URL-safe base64 (22 characters). */
public final class RequestIds {
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();

  private RequestIds() {}

  /** A fresh id; collisions are as likely as for a random UUID. */
  public static String next() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    ByteBuffer bytes = ByteBuffer.allocate(16).putLong(random.nextLong()).putLong(random.nextLong());
    return ENCODER.encodeToString(bytes.array());
  }
}
