package io.pgwarden.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RestartPolicyTest {
  @Test
  void backoffDoublesUpToThirtySeconds() {
    RestartPolicy p = RestartPolicy.restartWithBackoff();
    List<Long> seconds = new ArrayList<>();
    for (int attempt = 0; attempt < 9; attempt++) {
      seconds.add(p.delay(attempt).toSeconds());
    }
    assertThat(seconds).containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L, 30L);
    assertThat(p.restart()).isTrue();
    assertThat(p.stableAfter()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void veryLargeAttemptStaysAtTheBound() {
    RestartPolicy p = RestartPolicy.restartWithBackoff();
    assertThat(p.delay(1_000)).isEqualTo(Duration.ofSeconds(30));
    assertThat(p.delay(Integer.MAX_VALUE)).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void exitOnCrashDoesNotRestart() {
    RestartPolicy p = RestartPolicy.exitOnCrash();
    assertThat(p.restart()).isFalse();
    assertThat(p.delay(0)).isZero();
    assertThat(p.delay(5)).isZero();
  }

  @Test
  void equalInitialAndMaxIsAConstantDelay() {
    RestartPolicy p =
        new RestartPolicy(true, Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ZERO);
    assertThat(p.delay(0)).isEqualTo(Duration.ofSeconds(5));
    assertThat(p.delay(3)).isEqualTo(Duration.ofSeconds(5));
  }

  @Test
  void negativeInitialDelayIsRefused() {
    assertThatThrownBy(
            () ->
                new RestartPolicy(
                    true, Duration.ofSeconds(-1), Duration.ofSeconds(30), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0 <= initial <= max");
  }

  @Test
  void maxBelowInitialIsRefused() {
    assertThatThrownBy(
            () ->
                new RestartPolicy(
                    true, Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("PT10S")
        .hasMessageContaining("PT5S");
  }
}
