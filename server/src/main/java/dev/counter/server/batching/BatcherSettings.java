package dev.counter.server.batching;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Tuning of the {@link SmartBatcher}.
 *
 * @param maxPending increments a node may hold before refusing more
 * @param maxOpsPerWrite most increments in one store write; bigger flushes are split
 * @param linger minimum time between the starts of two flushes of one lane (0: none), applied
 *     only after a flush of at least {@code lingerMinBatch} increments, i.e. under load
 * @param lingerMinBatch flush size from which the next flush lingers
 * @param lingerTargetBatch a lingering flush starts early once this many increments are queued
 * @param retryBackoff first delay before a failed write of buffered increments is sent again;
 *     it doubles per attempt up to {@code maxRetryBackoff}
 * @param maxRetryBackoff longest delay between resends
 * @param resendFor how long buffered increments are resent before they are given up as lost;
 *     must stay well below the store's write-token lifetime, or a resend could apply twice
 * @param writeTimeout a write whose outcome is unknown after this long counts as failed; a safety
 *     net beneath the store's own timeouts, so no lane can stay blocked
 */
public record BatcherSettings(
    int maxPending, int maxOpsPerWrite, Duration linger, int lingerMinBatch, int lingerTargetBatch,
    Duration retryBackoff,
    Duration maxRetryBackoff, Duration resendFor, Duration writeTimeout) {
  public BatcherSettings {
    requireNonNull(linger, "linger is null");
    requireNonNull(retryBackoff, "retryBackoff is null");
    requireNonNull(maxRetryBackoff, "maxRetryBackoff is null");
    requireNonNull(resendFor, "resendFor is null");
    requireNonNull(writeTimeout, "writeTimeout is null");
    if (maxPending < 1 || maxOpsPerWrite < 1) {
      throw new IllegalArgumentException("maxPending and maxOpsPerWrite must be positive");
    }
  }
}
