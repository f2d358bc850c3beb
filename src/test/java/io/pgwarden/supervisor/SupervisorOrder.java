package io.pgwarden.supervisor;

import static io.pgwarden.supervisor.SupervisedFake.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.supervisor.FakePostgres.Received;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutorService;

/**
 * One random order of crashes, reloads, failed starts and shutdowns played against a supervised
 * fake postgres, then checked against the supervisor's rules. Each step waits (with a deadline) for
 * what it must cause before the next, except where a step fires two things at once on purpose (a
 * reload right behind a crash, a second shutdown request), so the same seed plays the same order;
 * the rules checked hold whatever the timing.
 */
final class SupervisorOrder {
  enum Step {
    RELOAD,
    CRASH,
    CRASH_THEN_RELOAD,
    CRASH_AND_FAIL_STARTS,
    WAIT_FOR_RESTART,
    SHUTDOWN,
    DOUBLE_SHUTDOWN
  }

  private static final int MAX_STEPS = 12;

  private final Random random;
  private final RestartPolicy restartPolicy;
  private final ShutdownPolicy shutdownPolicy;
  private final SupervisedFake s;
  private final List<Step> played = new ArrayList<>();
  private final List<Integer> crashCodes = new ArrayList<>();
  private long shutdownRequested;

  SupervisorOrder(
      long seed,
      RestartPolicy restartPolicy,
      ShutdownPolicy shutdownPolicy,
      ExecutorService background) {
    this.random = new Random(seed);
    this.restartPolicy = restartPolicy;
    this.shutdownPolicy = shutdownPolicy;
    // Starts happen on the supervisor's thread: their draws get a generator of their own, so the
    // steps' draws do not depend on when they happen.
    Random obeys = new Random(~seed);
    FakePostgres.Obeys[] all = FakePostgres.Obeys.values();
    this.s =
        new SupervisedFake(
            restartPolicy, shutdownPolicy, () -> all[obeys.nextInt(all.length)], background);
  }

  /** The steps played so far, for a failure message. */
  List<Step> played() {
    return List.copyOf(played);
  }

  /** Plays the order to its end (a shutdown, or a crash that ends pgwarden) and checks it. */
  void play() throws Exception {
    try (s) {
      s.awaitStarted(1);
      int steps = 1 + random.nextInt(MAX_STEPS);
      Integer exitCode = null;
      for (int i = 0; i < steps && exitCode == null; i++) {
        exitCode = play(pick());
      }
      if (exitCode == null) {
        exitCode = play(Step.SHUTDOWN);
      }
      check(exitCode);
    }
  }

  private Step pick() {
    Step[] all = Step.values();
    while (true) {
      Step step = all[random.nextInt(all.length)];
      // Under exit-on-crash a failed start is retried at once, without a delay: not played here.
      if (restartPolicy.restart() || step != Step.CRASH_AND_FAIL_STARTS) {
        return step;
      }
    }
  }

  /**
   * @return run()'s exit code when the step ended it
   */
  private Integer play(Step step) throws Exception {
    played.add(step);
    Optional<FakePostgres> running = s.launcher.newest().filter(FakePostgres::isAlive);
    switch (step) {
      case RELOAD -> {
        long before = running.map(FakePostgres::reloads).orElse(0L);
        s.supervisor.requestReload();
        if (running.isPresent()) {
          s.whileRunning(
              "the SIGHUP of reload #" + played.size(), () -> running.get().reloads() > before);
        }
        return null;
      }
      case CRASH, CRASH_THEN_RELOAD, CRASH_AND_FAIL_STARTS -> {
        if (running.isEmpty()) {
          return play(Step.WAIT_FOR_RESTART);
        }
        if (step == Step.CRASH_AND_FAIL_STARTS) {
          s.launcher.failNext(1 + random.nextInt(2));
        }
        int code = 1 + random.nextInt(255);
        crashCodes.add(code);
        running.get().crash(code);
        if (step == Step.CRASH_THEN_RELOAD) {
          s.supervisor.requestReload(); // may be handled before the exit is heard of
        }
        s.whileRunning(
            "crash #" + crashCodes.size() + " handled", () -> s.crashes().equals(crashCodes));
        if (!restartPolicy.restart()) {
          return s.awaitExitCode();
        }
        return null;
      }
      case WAIT_FOR_RESTART -> {
        if (running.isEmpty() && restartPolicy.restart()) {
          s.awaitStarted(s.launcher.started() + 1);
        }
        return null;
      }
      case SHUTDOWN, DOUBLE_SHUTDOWN -> {
        shutdownRequested = System.nanoTime();
        s.supervisor.requestShutdown("order step " + played.size());
        if (step == Step.DOUBLE_SHUTDOWN) {
          until("the smart stop, or the end", () -> s.returned() || !stops().isEmpty());
          s.supervisor.requestShutdown("second request");
        }
        return s.awaitExitCode();
      }
    }
    throw new AssertionError("unknown step " + step);
  }

  /** The stop signals the newest postgres received. */
  private List<Received> stops() {
    return s.launcher.newest().orElseThrow().received().stream()
        .filter(r -> r.signal() != Libc.SIGHUP)
        .toList();
  }

  private void check(int exitCode) {
    List<FakeLauncher.Attempt> attempts = s.launcher.attempts();
    boolean crashEnded = !restartPolicy.restart() && !crashCodes.isEmpty();
    assertThat(exitCode).as("run()'s exit code").isEqualTo(crashEnded ? 1 : 0);
    assertThat(attempts)
        .as("postgres left running")
        .noneMatch(a -> a.postgres().map(Process::isAlive).orElse(false));
    assertThat(s.launcher.violations()).isEmpty();
    assertThat(s.crashes()).as("crashes heard").isEqualTo(crashCodes);
    assertThat(s.supervisor.restarts()).isEqualTo(attempts.size() - 1);
    List<Long> pids = new ArrayList<>();
    attempts.forEach(a -> a.postgres().ifPresent(p -> pids.add(p.pid())));
    assertThat(s.startedPids()).isEqualTo(pids);
    assertThat(s.startedFirst()).containsExactlyElementsOf(firstThenNot(pids.size()));
    assertThat(s.readyHooks())
        .hasSizeLessThanOrEqualTo(pids.size())
        .isEqualTo(firstThenNot(s.readyHooks().size()));
    checkBackoff(attempts);
    if (!crashEnded) {
      checkStop(s.launcher.newest().orElseThrow());
    }
  }

  private static List<Boolean> firstThenNot(int n) {
    List<Boolean> l = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      l.add(i == 0);
    }
    return l;
  }

  /** Attempt i comes no sooner than the delay the policy gives after the i-th failure. */
  private void checkBackoff(List<FakeLauncher.Attempt> attempts) {
    boolean forgets = restartPolicy.stableAfter().isZero();
    for (int i = 1; i < attempts.size(); i++) {
      Duration delay = restartPolicy.delay(forgets ? 0 : i - 1);
      long waited = attempts.get(i).nanos() - attempts.get(i - 1).downNanos();
      assertThat(waited)
          .as("nanos before start attempt %d", i)
          .isGreaterThanOrEqualTo(delay.toNanos());
    }
  }

  /** Smart, then fast after the smart timeout, then immediate when the stop delay is spent. */
  private void checkStop(FakePostgres last) {
    List<Received> stops = stops();
    if (stops.isEmpty()) {
      assertThat(s.beforeStops()).as("a CHECKPOINT with postgres down").isEmpty();
      return;
    }
    List<Integer> expected = List.of(Libc.SIGTERM, Libc.SIGINT, Libc.SIGQUIT);
    assertThat(stops.stream().map(Received::signal).toList())
        .as("stop signals to %s", last)
        .isEqualTo(expected.subList(0, stops.size()));
    assertThat(s.beforeStops()).hasSize(1);
    assertThat(s.beforeStops().get(0).budget()).isEqualTo(shutdownPolicy.smartTimeout());
    assertThat(s.beforeStops().get(0).nanos()).isLessThanOrEqualTo(stops.get(0).nanos());
    long term = stops.get(0).nanos();
    boolean doubled = played.get(played.size() - 1) == Step.DOUBLE_SHUTDOWN;
    if (stops.size() > 1 && !doubled) {
      long leftAtTerm = shutdownPolicy.stopDelay().toNanos() - (term - shutdownRequested);
      long smart = Math.min(shutdownPolicy.smartTimeout().toNanos(), leftAtTerm);
      assertThat(stops.get(1).nanos() - term).as("smart phase").isGreaterThanOrEqualTo(smart);
    }
    if (stops.size() > 2) {
      assertThat(stops.get(2).nanos() - shutdownRequested)
          .as("time before the immediate stop")
          .isGreaterThanOrEqualTo(shutdownPolicy.stopDelay().toNanos());
    }
  }
}
