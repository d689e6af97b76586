package dev.counter.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.counter.server.store.Bucket;
import java.util.List;
import org.junit.jupiter.api.Test;

class WindowCallsTest {
  @Test
  void aWindowSumIsExactInsideInt64AndClampedOutside() {
    assertThat(WindowCalls.windowResponse(List.of(new Bucket(0, 1000, Long.MAX_VALUE - 1), new Bucket(1000, 2000, 1)))
        .getSum()).isEqualTo(Long.MAX_VALUE);
    assertThat(WindowCalls.windowResponse(List.of(new Bucket(0, 1000, Long.MAX_VALUE), new Bucket(1000, 2000, 1)))
        .getSum()).isEqualTo(Long.MAX_VALUE);
    assertThat(WindowCalls.windowResponse(List.of(new Bucket(0, 1000, Long.MIN_VALUE), new Bucket(1000, 2000, -5)))
        .getSum()).isEqualTo(Long.MIN_VALUE);
    assertThat(WindowCalls.windowResponse(List.of(new Bucket(0, 1000, Long.MAX_VALUE), new Bucket(1000, 2000,
        Long.MIN_VALUE))).getSum()).isEqualTo(-1);
    assertThat(WindowCalls.windowResponse(List.of(new Bucket(0, 1000, Long.MAX_VALUE), new Bucket(1000, 2000, 1))))
        .extracting(response -> response.getBuckets(0).getValue()).isEqualTo(Long.MAX_VALUE);
  }
}
