package dev.counter.server.store.redis;

import static dev.counter.server.store.redis.TestOp.op;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.counter.server.store.CounterOps;
import dev.counter.server.store.Decided;
import dev.counter.server.store.IncrementPolicy;
import dev.counter.server.store.LimitSpec;
import dev.counter.server.store.IncrementOp;
import dev.counter.server.store.IncrementWrite;
import dev.counter.server.store.WriteResult;
import dev.counter.server.store.WriteResult.Outcome;
import dev.counter.server.store.WriteToken;
import dev.counter.server.window.CalendarPeriods;
import dev.counter.server.window.FixedPeriods;
import dev.counter.server.window.WindowSpec;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Java side of flush.lua's grammar, on its own: what each write encodes to, how replies decode. */
class FlushProtocolTest {
  private static final CounterKeys keys = new CounterKeys("p:");

  @Test
  void aSingleIncrementIsItsDelta() {
    FlushProtocol.Call call = encode(null, counter("a", 5));

    assertThat(call.keys()).containsExactly("p:{a}");
    assertThat(call.args()).containsExactly("7", "600000", "-", "a", "5");
  }

  @Test
  void severalIncrementsWithoutIdsAreTheirSumAndRunningExtremesWithTheDeltasJoined() {
    FlushProtocol.Call call = encode(null, counter("a", 5, -7, 1));

    assertThat(call.args()).containsExactly("7", "600000", "-", "A", "-1", "5", "-2", "5,-7,1");
  }

  @Test
  void aSumThatLeavesInt64IsMarkedAndTheExtremesStopBeforeIt() {
    FlushProtocol.Call call = encode(null, counter("a", Long.MAX_VALUE, 1, -3));

    assertThat(call.args()).containsSubsequence("A", "x", Long.toString(Long.MAX_VALUE), "0");
  }

  @Test
  void requestIdsDeclareBothRecordGenerationsAndTravelOnePerIncrement() {
    FlushProtocol.Call call = encode(new WriteToken("t1", "a"),
        new CounterOps("a", List.of(op(2, "r,1"), op(3, ""))), counter("b", 1));

    assertThat(call.keys()).containsExactly("p:{a}:w:t1", "p:{a}", "p:{a}:r0", "p:{a}:r1", "p:{b}");
    assertThat(call.args()).containsExactly("7", "600000", "T", "I", "2", "2,3", "r,1", "", "a", "1");
  }

  @Test
  void wholeBatchRepliesGiveEachIncrementItsRunningValue() {
    IncrementWrite write = write(null, counter("a", 1, 2, 3), counter("b", -1, -1));

    WriteResult result = FlushProtocol.decode(List.of("S10,-4", "F" + (Long.MAX_VALUE - 1)), write);

    assertThat(values(result)).containsExactly(7L, 9L, 12L, Long.MAX_VALUE - 2, Long.MAX_VALUE - 3);
    assertThat(result.outcome(4)).isEqualTo(Outcome.APPLIED);
  }

  @Test
  void anEmptyShardListMeansZeroBefore() {
    WriteResult result = FlushProtocol.decode(List.of("S"), write(null, counter("a", 4)));

    assertThat(result.value(0)).isEqualTo(4);
  }

  @Test
  void itemRepliesGiveOneOutcomePerIncrement() {
    IncrementWrite write = write(null, new CounterOps("a", List.of(op(1, "x"), op(1, "x"), op(5, ""))),
        counter("b", 9));

    WriteResult result = FlushProtocol.decode(List.of("=1", "d1", "o", "=9"), write);

    assertThat(result.outcome(0)).isEqualTo(Outcome.APPLIED);
    assertThat(result.outcome(1)).isEqualTo(Outcome.DUPLICATE);
    assertThat(result.value(1)).isEqualTo(1);
    assertThat(result.outcome(2)).isEqualTo(Outcome.OUT_OF_RANGE);
    assertThat(result.value(3)).isEqualTo(9);
  }

  @Test
  void aTokenReplyMeansTheWholeWriteWasAppliedBefore() {
    WriteResult result = FlushProtocol.decode(List.of("w"), write(new WriteToken("t", "a"), counter("a", 1, 2)));

    assertThat(result.outcome(0)).isEqualTo(Outcome.ALREADY_APPLIED);
    assertThat(result.outcome(1)).isEqualTo(Outcome.ALREADY_APPLIED);
  }

  @Test
  void repliesOfTheWrongShapeAreRefused() {
    IncrementWrite write = write(null, counter("a", 1, 2));

    assertThatThrownBy(() -> FlushProtocol.decode(List.of("=1"), write)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> FlushProtocol.decode(List.of("S", "S"), write)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> FlushProtocol.decode(List.of("?1", "=2"), write))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void windowsAndPoliciesAreListedOnceAndEachIncrementNamesItsPolicy() {
    WindowSpec minute = new WindowSpec(new FixedPeriods(60_000), 3_600_000);
    WindowSpec longerMinute = new WindowSpec(new FixedPeriods(60_000), 7_200_000);
    IncrementPolicy limited = new IncrementPolicy(List.of(minute),
        List.of(new LimitSpec(LimitSpec.Scope.SLIDING, 0, 5, null, 100L),
            new LimitSpec(LimitSpec.Scope.VALUE, -1, 1, 0L, null)), IncrementPolicy.LimitMode.SHADOW, 0);
    IncrementPolicy counted = new IncrementPolicy(List.of(longerMinute), List.of(), IncrementPolicy.LimitMode.ENFORCE,
        5_000);
    CounterOps counter = new CounterOps("a", List.of(op(1, "r", limited), op(2, "", counted),
        op(3, "", limited), op(4, "")));

    List<String> keyList = new ArrayList<>();
    List<String> args = new ArrayList<>();
    FlushProtocol.encodeCounter(counter, keys, keyList, args);

    assertThat(keyList).containsExactly("p:{a}", "p:{a}:r0", "p:{a}:r1", "p:{a}:m", "p:{a}:t:f60000");
    assertThat(args).containsExactly("L",
        "1", "f60000", "f", "60000", "7200000",   // one window, the longest retention named
        "2",
        "S", "0", "1", "1", "2", "s", "1", "5", "", "100", "v", "0", "1", "0", "",
        "E", "5000", "1", "1", "0",
        "4", "1", "r", "1", "2", "", "2", "3", "", "1", "4", "", "0");
  }

  @Test
  void calendarWindowsSendThePeriodStartsAroundTheNodeClock() {
    CalendarPeriods days = new CalendarPeriods(CalendarPeriods.Unit.DAY, ZoneId.of("Asia/Kolkata"));
    long now = Instant.parse("2026-12-01T12:00:00Z").toEpochMilli();
    long today = days.indexAt(now);

    String starts = FlushProtocol.calendarStarts(days, now, 3);

    String[] entries = starts.split(",");
    assertThat(entries[0]).isEqualTo((today - 5) + ":" + days.start(today - 5));
    assertThat(entries[entries.length - 1]).isEqualTo((today + 6) + ":" + days.start(today + 6));
    assertThat(entries).hasSize(12);
  }

  @Test
  void decidedItemsDecodeWithEveryField() {
    IncrementWrite write = write(null, new CounterOps("a", List.of(op(1, "x", null), op(1, "y", null),
        op(5, "", null))));

    WriteResult result = FlushProtocol.decode(List.of(
        "L0D;7;60000,120000,7;7,0,1,0,180000/7,43,0,,;59999",
        "dL1A;8;60000,120000,8;8,0,0,60000,120000;",
        "o"), write);

    Decided denied = result.decided(0);
    assertThat(result.outcome(0)).isEqualTo(Outcome.NOT_APPLIED);
    assertThat(denied).isEqualTo(new Decided(false, Decided.Decision.DENIED, 7,
        List.of(new Decided.WindowPeriod(60_000, 120_000, 7)),
        List.of(new Decided.LimitStatus(7, 0, true, 0, 180_000), new Decided.LimitStatus(7, 43, false, -1, -1)),
        59_999));
    assertThat(result.outcome(1)).isEqualTo(Outcome.DUPLICATE);
    assertThat(result.decided(1).applied()).isTrue();
    assertThat(result.decided(1).retryAfterMillis()).isEqualTo(-1);
    assertThat(result.outcome(2)).isEqualTo(Outcome.OUT_OF_RANGE);
  }

  @Test
  void theRingSizeIsTheOneTheScriptUses() throws Exception {
    try (var in = FlushProtocol.class.getResourceAsStream("flush.lua")) {
      String script = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(script).contains("local RING = " + WindowSpec.RING_SLOTS + "\n");
    }
  }

  private static FlushProtocol.Call encode(WriteToken token, CounterOps... counters) {
    return FlushProtocol.encode(write(token, counters), "7", 600_000, keys);
  }

  private static IncrementWrite write(WriteToken token, CounterOps... counters) {
    return new IncrementWrite(List.of(counters), token);
  }

  private static CounterOps counter(String name, long... deltas) {
    List<IncrementOp> ops = new ArrayList<>();
    for (long delta : deltas) {
      ops.add(op(delta, ""));
    }
    return new CounterOps(name, ops);
  }

  private static List<Long> values(WriteResult result) {
    List<Long> values = new ArrayList<>();
    for (int i = 0; i < result.size(); i++) {
      values.add(result.value(i));
    }
    return values;
  }
}
