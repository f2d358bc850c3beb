package io.pgwarden.supervisor;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Starts {@link FakePostgres} processes and records what the supervisor did to them: every start
 * attempt (failed ones too), and every broken rule (a second postmaster started while one runs, a
 * signal asked for after the supervisor was told of the process's exit).
 */
final class FakeLauncher implements Launcher {
  /** A start attempt at {@code nanos}: {@code postgres} is empty when it failed. */
  record Attempt(long nanos, Optional<FakePostgres> postgres) {
    /** When this attempt's postgres went down: its exit, or the failed attempt itself. */
    long downNanos() {
      return postgres.map(FakePostgres::exitNanos).orElse(nanos);
    }
  }

  private static final long FIRST_FAKE_PID = 4_000_000_000L; // above any real pid_max

  private final Supplier<FakePostgres.Obeys> obeys;
  private final List<Attempt> attempts = new ArrayList<>();
  private final List<String> violations = new ArrayList<>();
  private final List<FakePostgres> exitHandled = new ArrayList<>();
  private int failuresToCome;

  /**
   * @param obeys how each new postgres reacts to stop signals
   */
  FakeLauncher(Supplier<FakePostgres.Obeys> obeys) {
    this.obeys = obeys;
  }

  @Override
  public synchronized Process start() throws IOException {
    for (Attempt a : attempts) {
      a.postgres()
          .filter(Process::isAlive)
          .ifPresent(p -> violations.add("started a postmaster while " + p + " still runs"));
    }
    if (failuresToCome > 0) {
      failuresToCome--;
      attempts.add(new Attempt(System.nanoTime(), Optional.empty()));
      throw new IOException("fake: postgres could not be started");
    }
    FakePostgres p = new FakePostgres(FIRST_FAKE_PID + attempts.size(), obeys.get());
    attempts.add(new Attempt(p.startedNanos(), Optional.of(p)));
    return p;
  }

  @Override
  public boolean signal(Process postgres, int signal) {
    FakePostgres p = (FakePostgres) postgres;
    synchronized (this) {
      if (exitHandled.contains(p)) {
        violations.add("signal " + signal + " asked for " + p + " after its exit was handled");
      }
    }
    return p.deliver(signal);
  }

  /** Ready as soon as it runs. */
  @Override
  public boolean acceptsConnections(Process postgres) {
    return postgres.isAlive();
  }

  /** The next {@code n} start attempts fail with an {@code IOException}. */
  synchronized void failNext(int n) {
    failuresToCome = n;
  }

  /** The supervisor reported the exit of the newest postgres (its crash listener ran). */
  synchronized void exitHandled() {
    newest().ifPresent(exitHandled::add);
  }

  synchronized List<Attempt> attempts() {
    return List.copyOf(attempts);
  }

  /** The postgres of the newest successful attempt. */
  synchronized Optional<FakePostgres> newest() {
    for (int i = attempts.size() - 1; i >= 0; i--) {
      if (attempts.get(i).postgres().isPresent()) {
        return attempts.get(i).postgres();
      }
    }
    return Optional.empty();
  }

  synchronized int started() {
    return (int) attempts.stream().filter(a -> a.postgres().isPresent()).count();
  }

  synchronized List<String> violations() {
    return List.copyOf(violations);
  }
}
