package dev.counter.server.store.redis;

import dev.counter.server.store.CounterOps;
import dev.counter.server.store.IncrementOp;
import dev.counter.server.store.IncrementWrite;
import dev.counter.server.store.ShardSum;
import dev.counter.server.store.WriteResult;
import dev.counter.server.store.WriteResult.Outcome;
import java.util.ArrayList;
import java.util.List;

/**
 * The Java side of flush.lua's wire format. The grammar is written once, in the header of
 * {@code flush.lua}; this class builds KEYS and ARGV and reads the reply exactly as it says, and
 * nothing else in Java knows a position or a tag of that format.
 */
final class FlushProtocol {
  static final String WITH_TOKEN = "T";
  static final String NO_TOKEN = "-";
  static final String ONE_ADD = "a";
  static final String SUM_ADD = "A";
  static final String WITH_IDS = "I";

  private FlushProtocol() {}

  /** One script call: its KEYS and ARGV. */
  record Call(String[] keys, String[] args) {}

  /**
   * Encodes {@code write} for the node with field {@code nodeId} and idempotency window
   * {@code windowMillis}.
   */
  static Call encode(IncrementWrite write, String nodeId, long windowMillis, CounterKeys keys) {
    List<CounterOps> counters = write.counters();
    List<String> keyList = new ArrayList<>(1 + 3 * counters.size());
    List<String> args = new ArrayList<>(3 + 5 * counters.size() + write.opCount());
    args.add(nodeId);
    args.add(Long.toString(windowMillis));
    if (write.token() != null) {
      args.add(WITH_TOKEN);
      keyList.add(keys.writeToken(write.token().anchorName(), write.token().id()));
    } else {
      args.add(NO_TOKEN);
    }
    for (CounterOps counter : counters) {
      encodeCounter(counter, keys, keyList, args);
    }
    return new Call(keyList.toArray(String[]::new), args.toArray(String[]::new));
  }

  /** One counter, in the most compact form that fits it. */
  static void encodeCounter(CounterOps counter, CounterKeys keys, List<String> keyList, List<String> args) {
    List<? extends IncrementOp> ops = counter.ops();
    keyList.add(keys.counter(counter.name()));
    if (hasRequestIds(ops)) {
      keyList.add(keys.records(counter.name(), 0));
      keyList.add(keys.records(counter.name(), 1));
      args.add(WITH_IDS);
      args.add(Integer.toString(ops.size()));
      args.add(joinedDeltas(ops));
      for (IncrementOp op : ops) {
        args.add(op.requestId());
      }
      return;
    }
    if (ops.size() == 1) {
      args.add(ONE_ADD);
      args.add(Long.toString(ops.get(0).delta()));
      return;
    }
    long running = 0;
    long high = 0;
    long low = 0;
    boolean exact = true;
    for (IncrementOp op : ops) {
      try {
        running = Math.addExact(running, op.delta());
      } catch (ArithmeticException overflow) {
        exact = false;
        break;
      }
      high = Math.max(high, running);
      low = Math.min(low, running);
    }
    args.add(SUM_ADD);
    args.add(exact ? Long.toString(running) : "x");
    args.add(Long.toString(high));
    args.add(Long.toString(low));
    args.add(joinedDeltas(ops));
  }

  private static boolean hasRequestIds(List<? extends IncrementOp> ops) {
    for (IncrementOp op : ops) {
      if (!op.requestId().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  private static String joinedDeltas(List<? extends IncrementOp> ops) {
    StringBuilder joined = new StringBuilder(ops.size() * 3);
    for (IncrementOp op : ops) {
      if (joined.length() > 0) {
        joined.append(',');
      }
      joined.append(op.delta());
    }
    return joined.toString();
  }

  /** Reads the script's reply to {@code write}: one outcome per increment, in write order. */
  static WriteResult decode(List<Object> reply, IncrementWrite write) {
    int opCount = write.opCount();
    if (reply.size() == 1 && "w".equals(reply.get(0))) {
      return WriteResult.alreadyApplied(opCount);
    }
    WriteResult result = WriteResult.ofSize(opCount);
    int entry = 0;
    int op = 0;
    for (CounterOps counter : write.counters()) {
      String first = item(reply, entry);
      char tag = first.charAt(0);
      if (tag == 'S' || tag == 'F') {
        // Every increment applied: each value is the value before plus its running sum. The
        // script checked that every running total fits, so addExact cannot throw.
        long value = tag == 'S' ? ShardSum.ofJoined(first, 1) : Long.parseLong(first, 1, first.length(), 10);
        for (IncrementOp increment : counter.ops()) {
          value = Math.addExact(value, increment.delta());
          result.set(op++, Outcome.APPLIED, value);
        }
        entry++;
        continue;
      }
      for (int i = 0; i < counter.ops().size(); i++) {
        String item = item(reply, entry++);
        switch (item.charAt(0)) {
          case '=' -> result.set(op++, Outcome.APPLIED, Long.parseLong(item, 1, item.length(), 10));
          case 'd' -> result.set(op++, Outcome.DUPLICATE, Long.parseLong(item, 1, item.length(), 10));
          case 'o' -> result.set(op++, Outcome.OUT_OF_RANGE, 0);
          default -> throw new IllegalStateException("unexpected flush script item '" + item + "'");
        }
      }
    }
    if (entry != reply.size()) {
      throw new IllegalStateException("flush script returned " + reply.size() + " items, expected " + entry);
    }
    return result;
  }

  private static String item(List<Object> reply, int index) {
    if (index >= reply.size()) {
      throw new IllegalStateException("flush script returned " + reply.size() + " items, expected more");
    }
    String item = (String) reply.get(index);
    if (item.isEmpty()) {
      throw new IllegalStateException("flush script returned an empty item");
    }
    return item;
  }
}
