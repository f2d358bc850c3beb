package io.pgwarden.supervisor;

import java.time.Duration;

/**
 * What to do when postgres dies without being asked to: restart it with a bounded exponential
 * backoff (standalone), or exit non-zero so the kubelet restarts the container (Kubernetes, where
 * {@code restart_after_crash = off} too).
 *
 * @param restart restart postgres in place; false means exit
 * @param initialDelay the first delay
 * @param maxDelay the bound of the delay
 * @param stableAfter a run at least this long resets the delay to {@code initialDelay}
 */
public record RestartPolicy(
    boolean restart, Duration initialDelay, Duration maxDelay, Duration stableAfter) {

  public RestartPolicy {
    if (initialDelay.isNegative() || maxDelay.compareTo(initialDelay) < 0) {
      throw new IllegalArgumentException(
          "restart delays must satisfy 0 <= initial <= max, got " + initialDelay + ", " + maxDelay);
    }
  }

  /** Standalone: restart after 1 s, 2 s, 4 s ... up to 30 s. */
  public static RestartPolicy restartWithBackoff() {
    return new RestartPolicy(
        true, Duration.ofSeconds(1), Duration.ofSeconds(30), Duration.ofMinutes(1));
  }

  /** Kubernetes: the container exits and the kubelet decides. */
  public static RestartPolicy exitOnCrash() {
    return new RestartPolicy(false, Duration.ZERO, Duration.ZERO, Duration.ZERO);
  }

  /** The delay before attempt {@code n} (0-based) of a series of crashes. */
  public Duration delay(int attempt) {
    Duration d = initialDelay;
    for (int i = 0; i < attempt && d.compareTo(maxDelay) < 0; i++) {
      d = d.multipliedBy(2);
    }
    return d.compareTo(maxDelay) > 0 ? maxDelay : d;
  }
}
