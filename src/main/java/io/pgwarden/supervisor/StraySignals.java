package io.pgwarden.supervisor;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signals pgwarden has no use for, caught so that they are logged and otherwise ignored: left
 * to their default action, USR1, ALRM, VTALRM, PROF, STKFLT, IO and PWR end the JVM at once (and
 * postgres with it, through its parent-death signal), XCPU and SYS also dump core, TTIN, TTOU and
 * TSTP stop it (the probes fail while postgres runs unwatched).
 *
 * <p>SIGUSR2 is the JVM's own: HotSpot suspends threads with it (JFR's execution sampler), and when
 * one arrives from outside on the launcher's thread, which the JVM never attached, its handler
 * dereferences a null thread and the JVM crashes, leaving an {@code hs_err_pid*.log}. Its handler
 * is replaced here, so JFR's sampler finds no thread it can suspend (start with {@code
 * _JAVA_SR_SIGNUM=40} to move the JVM's use elsewhere and keep JFR sampling). Left alone: QUIT,
 * ILL, FPE, SEGV (refused by the JVM), BUS, PIPE and XFSZ (the JVM's own handlers; PIPE and XFSZ
 * are already ignored), ABRT (abort), CONT and CHLD.
 *
 * <p>A signal is logged the first time, then at most once a {@link #QUIET} per signal with how many
 * came meanwhile: a loop of {@code kill} cannot flood the log.
 */
public final class StraySignals {
  private static final Logger log = LoggerFactory.getLogger(StraySignals.class);

  /** The signals this class catches. */
  public static final List<String> NAMES =
      List.of(
          "USR1", "USR2", "ALRM", "VTALRM", "PROF", "STKFLT", "IO", "PWR", "XCPU", "SYS", "TTIN",
          "TTOU", "TSTP", "WINCH", "URG");

  static final Duration QUIET = Duration.ofMinutes(1);

  private final LongSupplier nanos;
  private final Map<String, Seen> seen = new HashMap<>();

  /** When a signal was last logged, and how many arrived since. */
  private static final class Seen {
    long loggedNanos;
    long since;
  }

  StraySignals(LongSupplier nanos) {
    this.nanos = nanos;
  }

  /** Catches every signal of {@link #NAMES}. */
  public static void install() {
    StraySignals strays = new StraySignals(System::nanoTime);
    for (String name : NAMES) {
      try {
        Signals.install(name, () -> strays.arrived(name).ifPresent(m -> log.warn("{}", m)));
      } catch (IllegalStateException e) {
        log.warn(
            "SIG{} cannot be caught, so it keeps its default action: {}", name, e.getMessage());
      }
    }
  }

  /** Records an arrival of SIG{@code name}; returns the line to log, if one is due. */
  synchronized Optional<String> arrived(String name) {
    long now = nanos.getAsLong();
    Seen s = seen.get(name);
    if (s == null) {
      s = new Seen();
      s.loggedNanos = now;
      seen.put(name, s);
      return Optional.of("SIG" + name + " received and ignored: pgwarden has no use for it");
    }
    s.since++;
    if (now - s.loggedNanos < QUIET.toNanos()) {
      return Optional.empty();
    }
    String line = "SIG" + name + " received and ignored (" + s.since + " since the last such line)";
    s.loggedNanos = now;
    s.since = 0;
    return Optional.of(line);
  }
}
