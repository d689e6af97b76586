package dev.counter.client;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Generates request ids: 128 bits, URL-safe base64 (22 characters), unique within this process
 * and, across processes, as unlikely to collide as two random 128-bit values.
 *
 * <p>Each process draws a 128-bit random base from {@link SecureRandom} once; the n-th id is that
 * base plus n. Ids of one process never repeat, and ids of two processes can only meet when their
 * bases fall within the number of ids they issue of each other. (Two {@code nextLong()} calls of
 * one 64-bit generator, as before, are not 128 bits: the second follows from the first, so two
 * clients whose generators happen to agree on one id agree on every id.)
 */
public final class RequestIds {
  private static final Base64.Encoder ENCODER = Base64.getUrlEncoder().withoutPadding();
  private static final long HIGH;
  private static final long LOW;
  private static final AtomicLong SEQUENCE = new AtomicLong();

  static {
    SecureRandom random = new SecureRandom();
    HIGH = random.nextLong();
    LOW = random.nextLong();
  }

  private RequestIds() {}

  /** A fresh id. */
  public static String next() {
    long n = SEQUENCE.getAndIncrement();
    long low = LOW + n;
    // Carry into the high half when the low half wraps (unsigned overflow).
    long high = Long.compareUnsigned(low, LOW) < 0 ? HIGH + 1 : HIGH;
    return ENCODER.encodeToString(ByteBuffer.allocate(16).putLong(high).putLong(low).array());
  }
}
