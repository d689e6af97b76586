package dev.counter.server.store;

import static java.util.Objects.requireNonNull;

/**
 * Makes a write safe to send again: the store applies a write with a given token at most once
 * within the idempotency window. The batcher uses it to retry buffered increments whose write
 * failed without knowing whether Redis applied it.
 *
 * @param id unique per write on this node (node incarnation plus a sequence number)
 * @param anchorName the counter whose storage location also holds the token; a resend must keep it
 *     even when it carries only some of the original counters
 */
public record WriteToken(String id, String anchorName) {
  public WriteToken {
    requireNonNull(id, "id is null");
    requireNonNull(anchorName, "anchorName is null");
  }
}
