package dev.counter.cli;

/**
 * The exit codes of {@code counter}, distinct so that scripts can tell what happened. A failed
 * call exits with 64 plus its gRPC status code, as grpcurl does (INVALID_ARGUMENT 67,
 * UNAVAILABLE 78, DEADLINE_EXCEEDED 68), which keeps every status apart from the codes below.
 */
public final class ExitCodes {
  /** Everything worked (for {@code bench}: every call succeeded and, with --verify, the totals match). */
  public static final int OK = 0;
  /** An unexpected failure of the CLI itself (a bug), with a stack trace. */
  public static final int INTERNAL = 1;
  /** A usage error: an unknown or malformed option or argument, or a --target without a port. */
  public static final int USAGE = 2;
  /** {@code bench --verify}: the server's totals differ from the acknowledged deltas. */
  public static final int VERIFY_FAILED = 3;
  /** {@code bench}: more calls failed than --max-error-ratio allows (by default, any). */
  public static final int CALLS_FAILED = 4;
  /** {@code health}: the server answered, but not SERVING. */
  public static final int NOT_SERVING = 5;
  /** {@code inc}: the increment's limits denied it (nothing applied), or would have in a dry run. */
  public static final int DENIED = 6;
  /** Added to a failed call's gRPC status code. */
  public static final int GRPC_STATUS_BASE = 64;

  private ExitCodes() {}

  /** The exit code of a call that failed with gRPC status code {@code code}. */
  public static int forStatus(io.grpc.Status.Code code) {
    return GRPC_STATUS_BASE + code.value();
  }
}
