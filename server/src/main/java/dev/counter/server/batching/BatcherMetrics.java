package dev.counter.server.batching;

/** What the batcher reports: increments accepted, and how each pending increment ended. */
public interface BatcherMetrics {
  /** Reports nothing. */
  BatcherMetrics NONE = new BatcherMetrics() {
    @Override
    public void accepted(int count, boolean buffered) {}

    @Override
    public void resolved(Resolution resolution, int count) {}
  };

  /** How a pending increment stopped being pending. */
  enum Resolution {
    /** Applied by the store. */
    APPLIED,
    /** Its request id had been applied before (or a resend found its write applied). */
    DUPLICATE,
    /** Rejected: the counter would leave the int64 range. */
    OUT_OF_RANGE,
    /** Decided and not applied: denied by its limits, or a dry run. */
    NOT_APPLIED,
    /** Its write failed; the durable caller got an error. */
    FAILED,
    /** Its caller went away (cancelled, deadline) before it was sent: never applied. */
    ABANDONED,
    /** A buffered increment given up after its writes kept failing. */
    LOST
  }

  void accepted(int count, boolean buffered);

  void resolved(Resolution resolution, int count);
}
