package io.pgwarden.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void doublesUpToTheBoundAndResets() {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(5));
    assertThat(b.next()).isEqualTo(Duration.ofSeconds(1));
    assertThat(b.next()).isEqualTo(Duration.ofSeconds(2));
    assertThat(b.next()).isEqualTo(Duration.ofSeconds(4));
    assertThat(b.next()).isEqualTo(Duration.ofSeconds(5));
    assertThat(b.next()).isEqualTo(Duration.ofSeconds(5));
    b.reset();
    assertThat(b.next()).isEqualTo(Duration.ofSeconds(1));
  }

  @Test
  void refusesAnEmptyOrInvertedRange() {
    assertThatThrownBy(() -> new Backoff(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
