package io.pgwarden.http;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Liveness of the instance manager itself (not postgres): the supervisor loop ticks at least once a
 * second, so a last tick older than the threshold means the loop is wedged and the kubelet should
 * restart the container.
 */
public final class LivenessCheck {
  /** The default threshold. */
  public static final Duration STALE_AFTER = Duration.ofSeconds(30);

  private final Supplier<Instant> lastTick;
  private final Duration staleAfter;
  private final Clock clock;

  /**
   * A check of {@code lastTick}, e.g. {@code supervisor::lastTick}.
   *
   * @param staleAfter how old a tick may be before the loop counts as wedged
   */
  public LivenessCheck(Supplier<Instant> lastTick, Duration staleAfter, Clock clock) {
    this.lastTick = lastTick;
    this.staleAfter = staleAfter;
    this.clock = clock;
  }

  /** Empty when alive; else why not. */
  public Optional<String> problem() {
    Instant tick = lastTick.get();
    Duration age = Duration.between(tick, clock.instant());
    if (age.compareTo(staleAfter) > 0) {
      return Optional.of(
          "the supervisor loop last ran "
              + age.toSeconds()
              + " s ago (at "
              + tick
              + "), more than "
              + staleAfter.toSeconds()
              + " s: it is wedged");
    }
    return Optional.empty();
  }
}
