package dev.counter.server.store.redis;

import dev.counter.server.store.CounterOps;
import dev.counter.server.store.Decided;
import dev.counter.server.store.IncrementPolicy;
import dev.counter.server.store.LimitSpec;
import dev.counter.server.store.IncrementOp;
import dev.counter.server.store.IncrementWrite;
import dev.counter.server.store.ShardSum;
import dev.counter.server.store.WriteResult;
import dev.counter.server.store.WriteResult.Outcome;
import dev.counter.server.window.FixedPeriods;
import dev.counter.server.window.Periods;
import dev.counter.server.window.WindowSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

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
  static final String WITH_POLICIES = "L";
  /** Calendar periods given on either side of the node's current one, beyond what limits need. */
  private static final int CALENDAR_MARGIN = 2;

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
    boolean withIds = false;
    for (IncrementOp op : ops) {
      if (op.policy() != null) {
        encodeWithPolicies(counter, keys, keyList, args, System.currentTimeMillis());
        return;
      }
      withIds |= !op.requestId().isEmpty();
    }
    if (withIds) {
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

  /**
   * Form 'L': the counter's distinct windows, its distinct policies, then each increment with the
   * policy it refers to. {@code nodeMillis} (this node's clock) only chooses which calendar period
   * starts to send; the script picks the current period by the Redis clock.
   */
  static void encodeWithPolicies(CounterOps counter, CounterKeys keys, List<String> keyList, List<String> args,
      long nodeMillis) {
    List<? extends IncrementOp> ops = counter.ops();
    keyList.add(keys.records(counter.name(), 0));
    keyList.add(keys.records(counter.name(), 1));
    keyList.add(keys.meta(counter.name()));
    Map<String, Integer> windowIndexes = new LinkedHashMap<>();
    Map<String, WindowSpec> windows = new LinkedHashMap<>();
    Map<String, Integer> spans = new LinkedHashMap<>();
    Map<IncrementPolicy, Integer> policies = new LinkedHashMap<>();
    for (IncrementOp op : ops) {
      IncrementPolicy policy = op.policy();
      if (policy == null || policies.containsKey(policy)) {
        continue;
      }
      policies.put(policy, policies.size() + 1);
      for (WindowSpec window : policy.windows()) {
        // The same window named with different retentions keeps the longest.
        windows.merge(window.id(), window, (a, b) -> a.retentionMillis() >= b.retentionMillis() ? a : b);
        windowIndexes.putIfAbsent(window.id(), windowIndexes.size() + 1);
      }
      for (LimitSpec limit : policy.limits()) {
        if (limit.scope() == LimitSpec.Scope.SLIDING) {
          spans.merge(policy.windows().get(limit.window()).id(), limit.periods(), Math::max);
        }
      }
    }
    args.add(WITH_POLICIES);
    args.add(Integer.toString(windows.size()));
    for (WindowSpec window : windows.values()) {
      keyList.add(keys.window(counter.name(), window.id()));
      args.add(window.id());
      if (window.periods() instanceof FixedPeriods fixed) {
        args.add("f");
        args.add(Long.toString(fixed.sizeMillis()));
      } else {
        args.add("c");
        args.add(calendarStarts(window.periods(), nodeMillis, spans.getOrDefault(window.id(), 1)));
      }
      args.add(Long.toString(window.retentionMillis()));
    }
    args.add(Integer.toString(policies.size()));
    for (IncrementPolicy policy : policies.keySet()) {
      args.add(switch (policy.mode()) {
        case ENFORCE -> "E";
        case SHADOW -> "S";
        case DRY_RUN -> "D";
      });
      args.add(Long.toString(policy.ttlMillis()));
      args.add(Integer.toString(policy.windows().size()));
      for (WindowSpec window : policy.windows()) {
        args.add(Integer.toString(windowIndexes.get(window.id())));
      }
      args.add(Integer.toString(policy.limits().size()));
      for (LimitSpec limit : policy.limits()) {
        args.add(switch (limit.scope()) {
          case VALUE -> "v";
          case PERIOD -> "p";
          case SLIDING -> "s";
        });
        args.add(limit.scope() == LimitSpec.Scope.VALUE ? "0"
            : Integer.toString(windowIndexes.get(policy.windows().get(limit.window()).id())));
        args.add(Integer.toString(limit.periods()));
        args.add(limit.min() == null ? "" : Long.toString(limit.min()));
        args.add(limit.max() == null ? "" : Long.toString(limit.max()));
      }
    }
    args.add(Integer.toString(ops.size()));
    for (IncrementOp op : ops) {
      args.add(Long.toString(op.delta()));
      args.add(op.requestId());
      args.add(op.policy() == null ? "0" : Integer.toString(policies.get(op.policy())));
    }
  }

  /**
   * 'index:start,...' for consecutive calendar periods around {@code nodeMillis}: enough before it
   * for a sliding sum over {@code span} periods, and enough after it for the end of the current
   * period and the retry time of a sliding limit, with a margin for clock differences.
   */
  static String calendarStarts(Periods periods, long nodeMillis, int span) {
    long current = periods.indexAt(nodeMillis);
    StringBuilder starts = new StringBuilder();
    for (long index = current - span - CALENDAR_MARGIN; index <= current + span + CALENDAR_MARGIN + 1; index++) {
      if (starts.length() > 0) {
        starts.append(',');
      }
      starts.append(index).append(':').append(periods.start(index));
    }
    return starts.toString();
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
          case '=' -> result.set(op, Outcome.APPLIED, Long.parseLong(item, 1, item.length(), 10));
          case 'L' -> result.set(op, false, decided(item, 0));
          case 'd' -> {
            if (item.length() > 1 && item.charAt(1) == 'L') {
              result.set(op, true, decided(item, 1));
            } else {
              result.set(op, Outcome.DUPLICATE, Long.parseLong(item, 1, item.length(), 10));
            }
          }
          case 'o' -> result.set(op, Outcome.OUT_OF_RANGE, 0);
          default -> throw new IllegalStateException("unexpected flush script item '" + item + "'");
        }
        op++;
      }
    }
    if (entry != reply.size()) {
      throw new IllegalStateException("flush script returned " + reply.size() + " items, expected " + entry);
    }
    return result;
  }

  /** Reads a 'decided' item starting at {@code from} (the grammar's decided: 'L' applied verdict ';' ...). */
  static Decided decided(String item, int from) {
    String[] sections = item.substring(from + 3).split(";", -1);
    if (item.charAt(from) != 'L' || sections.length != 5) {
      throw new IllegalStateException("unexpected decided item '" + item + "'");
    }
    boolean applied = item.charAt(from + 1) == '1';
    Decided.Decision decision = switch (item.charAt(from + 2)) {
      case 'A' -> Decided.Decision.ALLOWED;
      case 'D' -> Decided.Decision.DENIED;
      case '-' -> Decided.Decision.NONE;
      default -> throw new IllegalStateException("unexpected verdict in '" + item + "'");
    };
    // sections[0] is the ';' right after the verdict: empty.
    long value = Long.parseLong(sections[1]);
    List<Decided.WindowPeriod> periods = new ArrayList<>();
    for (String period : entries(sections[2])) {
      String[] fields = period.split(",", -1);
      periods.add(new Decided.WindowPeriod(Long.parseLong(fields[0]), Long.parseLong(fields[1]),
          Long.parseLong(fields[2])));
    }
    List<Decided.LimitStatus> limits = new ArrayList<>();
    for (String limit : entries(sections[3])) {
      String[] fields = limit.split(",", -1);
      limits.add(new Decided.LimitStatus(Long.parseLong(fields[0]), Long.parseLong(fields[1]), "1".equals(fields[2]),
          fields[3].isEmpty() ? -1 : Long.parseLong(fields[3]), fields[4].isEmpty() ? -1 : Long.parseLong(fields[4])));
    }
    long retry = sections[4].isEmpty() ? -1 : Long.parseLong(sections[4]);
    return new Decided(applied, decision, value, periods, limits, retry);
  }

  private static String[] entries(String section) {
    return section.isEmpty() ? new String[0] : section.split("/", -1);
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
