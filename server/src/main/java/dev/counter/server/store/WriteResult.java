package dev.counter.server.store;

/**
 * What the store did with each increment of one {@link IncrementWrite}, indexed in write order
 * (counter by counter, increment by increment).
 */
public final class WriteResult {
  /** How one increment ended. */
  public enum Outcome {
    /** Added; {@link #value} is the counter's value right after it. */
    APPLIED,
    /** Its request id had been applied before; nothing added, {@link #value} is the first attempt's value. */
    DUPLICATE,
    /** Rejected: the counter (or this node's shard of it) would leave the int64 range. Nothing added. */
    OUT_OF_RANGE,
    /** Decided and not applied: its limits denied it (enforce mode), or a dry run. See {@link #decided}. */
    NOT_APPLIED,
    /** The write's token showed that an earlier send of this write was applied already. */
    ALREADY_APPLIED
  }

  private static final Outcome[] OUTCOMES = Outcome.values();

  private final byte[] outcomes;
  private final long[] values;
  /** The details of increments that carried a policy; allocated on first use. */
  private Decided[] decided;

  private WriteResult(byte[] outcomes, long[] values) {
    this.outcomes = outcomes;
    this.values = values;
  }

  /** A result for {@code size} increments, filled in with {@link #set}. */
  public static WriteResult ofSize(int size) {
    return new WriteResult(new byte[size], new long[size]);
  }

  /** A result saying the whole write had been applied by an earlier send. */
  public static WriteResult alreadyApplied(int size) {
    WriteResult result = ofSize(size);
    for (int i = 0; i < size; i++) {
      result.set(i, Outcome.ALREADY_APPLIED, 0);
    }
    return result;
  }

  /** Records the outcome of increment {@code index}. */
  public void set(int index, Outcome outcome, long value) {
    outcomes[index] = (byte) outcome.ordinal();
    values[index] = value;
  }

  /**
   * Records the outcome of increment {@code index}, which carried a policy: APPLIED or NOT_APPLIED
   * as {@code details} says, or DUPLICATE with the first attempt's details.
   */
  public void set(int index, boolean duplicate, Decided details) {
    Outcome outcome = duplicate ? Outcome.DUPLICATE : details.applied() ? Outcome.APPLIED : Outcome.NOT_APPLIED;
    set(index, outcome, details.value());
    if (decided == null) {
      decided = new Decided[outcomes.length];
    }
    decided[index] = details;
  }

  /** The details of increment {@code index} when it carried a policy, else null. */
  public Decided decided(int index) {
    return decided == null ? null : decided[index];
  }

  public int size() {
    return outcomes.length;
  }

  public Outcome outcome(int index) {
    return OUTCOMES[outcomes[index]];
  }

  /** The counter value for {@link Outcome#APPLIED}, {@link Outcome#DUPLICATE} and {@link Outcome#NOT_APPLIED}; 0 otherwise. */
  public long value(int index) {
    return values[index];
  }
}
