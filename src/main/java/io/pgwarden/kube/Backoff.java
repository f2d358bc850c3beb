package io.pgwarden.kube;

import java.time.Duration;

/** A doubling delay between retries, bounded, back to the start after a success. */
final class Backoff {
  private final Duration initial;
  private final Duration max;
  private Duration next;

  Backoff(Duration initial, Duration max) {
    if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
      throw new IllegalArgumentException("need 0 < initial <= max, got " + initial + ", " + max);
    }
    this.initial = initial;
    this.max = max;
    this.next = initial;
  }

  /** The delay before the next attempt; each call doubles the one after, up to the bound. */
  Duration next() {
    Duration d = next;
    Duration doubled = next.multipliedBy(2);
    next = doubled.compareTo(max) > 0 ? max : doubled;
    return d;
  }

  void reset() {
    next = initial;
  }
}
