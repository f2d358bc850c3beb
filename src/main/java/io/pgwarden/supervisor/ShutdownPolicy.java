package io.pgwarden.supervisor;

import java.time.Duration;

/**
 * How postgres is stopped on SIGTERM/SIGINT: a smart shutdown (waits for clients) for at most
 * {@code smartTimeout}, then a fast one (disconnects them), all within {@code stopDelay}, the pod's
 * grace period; an immediate stop only if even that runs out.
 */
public record ShutdownPolicy(Duration smartTimeout, Duration stopDelay) {
  public ShutdownPolicy {
    if (smartTimeout.isNegative() || stopDelay.isNegative()) {
      throw new IllegalArgumentException("shutdown timeouts must not be negative");
    }
  }
}
