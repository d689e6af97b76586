package dev.counter.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class ShardSumTest {
  @Test
  void sumsExactly() {
    assertThat(ShardSum.of(List.of())).isZero();
    assertThat(ShardSum.of(List.of("1", "-2", "40"))).isEqualTo(39);
    assertThat(ShardSum.of(List.of("9007199254740993", "1"))).isEqualTo(9007199254740994L);
  }

  @Test
  void sumsTheJoinedFormOfTheFlushScript() {
    assertThat(ShardSum.ofJoined("S", 1)).isZero();
    assertThat(ShardSum.ofJoined("S42", 1)).isEqualTo(42);
    assertThat(ShardSum.ofJoined("S1,-2,40", 1)).isEqualTo(39);
    String max = Long.toString(Long.MAX_VALUE);
    assertThat(ShardSum.ofJoined("S" + max + ",5,-10", 1)).isEqualTo(Long.MAX_VALUE - 5);
    assertThatThrownBy(() -> ShardSum.ofJoined("S1,,2", 1)).isInstanceOf(NumberFormatException.class);
  }

  @Test
  void survivesIntermediateOverflowWhenTheTotalFits() {
    String max = Long.toString(Long.MAX_VALUE);
    assertThat(ShardSum.of(List.of(max, "5", "-10"))).isEqualTo(Long.MAX_VALUE - 5);
    assertThat(ShardSum.ofValues(List.of(Long.MIN_VALUE, -1L, 1L))).isEqualTo(Long.MIN_VALUE);
  }

  @Test
  void rejectsATotalOutsideInt64() {
    assertThatThrownBy(() -> ShardSum.ofValues(List.of(Long.MAX_VALUE, 1L)))
        .isInstanceOf(IllegalStateException.class);
  }
}
