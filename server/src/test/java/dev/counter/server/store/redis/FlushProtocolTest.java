package dev.counter.server.store.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.counter.server.store.CounterOps;
import dev.counter.server.store.IncrementOp;
import dev.counter.server.store.IncrementWrite;
import dev.counter.server.store.WriteResult;
import dev.counter.server.store.WriteResult.Outcome;
import dev.counter.server.store.WriteToken;
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

  private static IncrementOp op(long delta, String requestId) {
    return new IncrementOp() {
      @Override
      public long delta() {
        return delta;
      }

      @Override
      public String requestId() {
        return requestId;
      }
    };
  }
}
