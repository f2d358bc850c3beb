package io.pgwarden.supervisor;

import static io.pgwarden.supervisor.SupervisedFake.until;
import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.supervisor.FakePostgres.Obeys;
import io.pgwarden.supervisor.FakePostgres.Received;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** One order of events at a time, against a fake postgres: each rule of the supervisor alone. */
class SupervisorTest {
  private static final ExecutorService BACKGROUND = Executors.newCachedThreadPool();
  private static final RestartPolicy NEVER_DUE =
      new RestartPolicy(true, Duration.ofHours(1), Duration.ofHours(1), Duration.ofDays(1));
  private static final ShutdownPolicy QUICK =
      new ShutdownPolicy(Duration.ofMillis(50), Duration.ofMillis(150));

  @AfterAll
  static void stopBackground() {
    BACKGROUND.shutdownNow();
  }

  private static SupervisedFake supervise(RestartPolicy restart, ShutdownPolicy stop, Obeys o) {
    return new SupervisedFake(restart, stop, () -> o, BACKGROUND);
  }

  private static List<Integer> signals(FakePostgres p) {
    return p.received().stream().map(Received::signal).toList();
  }

  private static long millisBetween(long fromNanos, long toNanos) {
    return (toNanos - fromNanos) / 1_000_000;
  }

  @Test
  void smartShutdownAfterTheHookEndsRunWithZero() throws Exception {
    try (SupervisedFake s = supervise(NEVER_DUE, QUICK, Obeys.SMART)) {
      FakePostgres pg = s.awaitStarted(1);
      assertThat(s.startedPids()).containsExactly(pg.pid());
      assertThat(s.startedFirst()).containsExactly(true);
      assertThat(s.readyHooks()).containsExactly(true);
      assertThat(s.supervisor.postmasterPid()).hasValue(pg.pid());

      s.supervisor.requestShutdown("test");

      assertThat(s.awaitExitCode()).isZero();
      assertThat(pg.isAlive()).isFalse();
      assertThat(signals(pg)).containsExactly(Libc.SIGTERM);
      assertThat(s.beforeStops()).hasSize(1);
      assertThat(s.beforeStops().get(0).budget()).isEqualTo(QUICK.smartTimeout());
      assertThat(s.beforeStops().get(0).nanos()).isLessThan(pg.received().get(0).nanos());
      assertThat(s.supervisor.postmasterPid()).isEmpty();
    }
  }

  @Test
  void fastShutdownComesOnlyAfterTheSmartTimeout() throws Exception {
    ShutdownPolicy policy = new ShutdownPolicy(Duration.ofMillis(100), Duration.ofHours(1));
    try (SupervisedFake s = supervise(NEVER_DUE, policy, Obeys.FAST)) {
      FakePostgres pg = s.awaitStarted(1);

      s.supervisor.requestShutdown("test");

      assertThat(s.awaitExitCode()).isZero();
      assertThat(signals(pg)).containsExactly(Libc.SIGTERM, Libc.SIGINT);
      List<Received> got = pg.received();
      assertThat(millisBetween(got.get(0).nanos(), got.get(1).nanos())).isGreaterThanOrEqualTo(100);
    }
  }

  @Test
  void immediateShutdownComesOnlyWhenTheStopDelayIsSpent() throws Exception {
    ShutdownPolicy policy = new ShutdownPolicy(Duration.ofMillis(40), Duration.ofMillis(120));
    try (SupervisedFake s = supervise(NEVER_DUE, policy, Obeys.IMMEDIATE)) {
      FakePostgres pg = s.awaitStarted(1);
      long requested = System.nanoTime();

      s.supervisor.requestShutdown("test");

      assertThat(s.awaitExitCode()).isZero();
      assertThat(signals(pg)).containsExactly(Libc.SIGTERM, Libc.SIGINT, Libc.SIGQUIT);
      List<Received> got = pg.received();
      assertThat(millisBetween(got.get(0).nanos(), got.get(1).nanos())).isGreaterThanOrEqualTo(40);
      assertThat(millisBetween(requested, got.get(2).nanos())).isGreaterThanOrEqualTo(120);
    }
  }

  @Test
  void aSecondShutdownRequestSkipsTheRestOfTheSmartPhase() throws Exception {
    // An hour-long smart phase: only the second request can bring the fast stop within the wait.
    ShutdownPolicy policy = new ShutdownPolicy(Duration.ofHours(1), Duration.ofHours(2));
    try (SupervisedFake s = supervise(NEVER_DUE, policy, Obeys.FAST)) {
      FakePostgres pg = s.awaitStarted(1);
      s.supervisor.requestShutdown("first Ctrl-C");
      until("the smart stop", () -> signals(pg).contains(Libc.SIGTERM));

      s.supervisor.requestShutdown("second Ctrl-C");

      assertThat(s.awaitExitCode()).isZero();
      assertThat(signals(pg)).containsExactly(Libc.SIGTERM, Libc.SIGINT);
    }
  }

  @Test
  void aReloadReachesTheRunningPostgresOnce() throws Exception {
    try (SupervisedFake s = supervise(NEVER_DUE, QUICK, Obeys.SMART)) {
      FakePostgres pg = s.awaitStarted(1);

      s.supervisor.requestReload();
      until("the SIGHUP", () -> pg.reloads() == 1);
      s.supervisor.requestReload();
      until("the second SIGHUP", () -> pg.reloads() == 2);

      s.supervisor.requestShutdown("test");
      assertThat(s.awaitExitCode()).isZero();
      assertThat(signals(pg)).containsExactly(Libc.SIGHUP, Libc.SIGHUP, Libc.SIGTERM);
    }
  }

  @Test
  void aReloadWhilePostgresIsDownIsNotSent() throws Exception {
    try (SupervisedFake s = supervise(NEVER_DUE, QUICK, Obeys.SMART)) {
      FakePostgres pg = s.awaitStarted(1);
      pg.crash(1);
      until("the crash handled", () -> s.crashes().equals(List.of(1)));

      // Queued before the shutdown, so handled before it: an hour before any restart is due.
      s.supervisor.requestReload();
      s.supervisor.requestShutdown("test");

      assertThat(s.awaitExitCode()).isZero();
      assertThat(pg.received()).isEmpty();
      assertThat(s.launcher.started()).isEqualTo(1);
      assertThat(s.beforeStops()).as("nothing to checkpoint with postgres down").isEmpty();
      assertThat(s.launcher.violations()).isEmpty();
    }
  }

  @Test
  void underExitOnCrashACrashEndsRunWithOne() throws Exception {
    try (SupervisedFake s = supervise(RestartPolicy.exitOnCrash(), QUICK, Obeys.SMART)) {
      FakePostgres pg = s.awaitStarted(1);

      pg.crash(137);

      assertThat(s.awaitExitCode()).isEqualTo(1);
      assertThat(s.crashes()).containsExactly(137);
      assertThat(s.launcher.attempts()).hasSize(1);
      assertThat(s.supervisor.restarts()).isZero();
    }
  }

  @Test
  void underExitOnCrashAFailedStartEndsRunWithOneInsteadOfRetrying() throws Exception {
    try (SupervisedFake s =
        new SupervisedFake(RestartPolicy.exitOnCrash(), QUICK, () -> Obeys.SMART, BACKGROUND, 3)) {
      assertThat(s.awaitExitCode()).isEqualTo(1);
      // Retried at once, the attempts would use up all three failures and start a fourth postgres.
      assertThat(s.launcher.attempts()).hasSize(1);
      assertThat(s.launcher.attempts().get(0).postgres()).isEmpty();
      assertThat(s.startedPids()).isEmpty();
      assertThat(s.readyHooks()).isEmpty();
      assertThat(s.supervisor.restarts()).isZero();
    }
  }

  @Test
  void underABackoffPolicyAFailedFirstStartIsRetried() throws Exception {
    RestartPolicy policy =
        new RestartPolicy(true, Duration.ofMillis(30), Duration.ofSeconds(1), Duration.ofDays(1));
    try (SupervisedFake s = new SupervisedFake(policy, QUICK, () -> Obeys.SMART, BACKGROUND, 1)) {
      s.awaitStarted(1);
      s.supervisor.requestShutdown("test");

      assertThat(s.awaitExitCode()).isZero();
      List<FakeLauncher.Attempt> attempts = s.launcher.attempts();
      assertThat(attempts).hasSize(2);
      assertThat(millisBetween(attempts.get(0).nanos(), attempts.get(1).nanos()))
          .isGreaterThanOrEqualTo(30);
    }
  }

  @Test
  void crashesInARowDoubleTheDelayUpToTheBound() throws Exception {
    RestartPolicy policy =
        new RestartPolicy(true, Duration.ofMillis(40), Duration.ofMillis(120), Duration.ofDays(1));
    try (SupervisedFake s = supervise(policy, QUICK, Obeys.SMART)) {
      for (int n = 1; n <= 4; n++) {
        s.awaitStarted(n).crash(n);
        int crashed = n;
        until("crash #" + n + " handled", () -> s.crashes().size() == crashed);
      }
      FakePostgres last = s.awaitStarted(5);
      s.supervisor.requestShutdown("test");

      assertThat(s.awaitExitCode()).isZero();
      assertThat(last.isAlive()).isFalse();
      assertThat(s.crashes()).containsExactly(1, 2, 3, 4);
      assertThat(s.startedFirst()).containsExactly(true, false, false, false, false);
      assertThat(s.readyHooks()).containsExactly(true, false, false, false, false);
      assertThat(s.supervisor.restarts()).isEqualTo(4);
      List<FakeLauncher.Attempt> attempts = s.launcher.attempts();
      long[] expected = {40, 80, 120, 120};
      for (int i = 1; i < attempts.size(); i++) {
        assertThat(millisBetween(attempts.get(i - 1).downNanos(), attempts.get(i).nanos()))
            .as("delay before restart #%d", i)
            .isGreaterThanOrEqualTo(expected[i - 1]);
      }
    }
  }

  @Test
  void aStableRunStartsTheBackoffAgain() throws Exception {
    // Every run counts as stable: were the backoff not reset, restart #7 would wait 6.4 s,
    // past the deadline of the wait for it.
    RestartPolicy policy =
        new RestartPolicy(true, Duration.ofMillis(100), Duration.ofHours(1), Duration.ZERO);
    try (SupervisedFake s = supervise(policy, QUICK, Obeys.SMART)) {
      for (int n = 1; n <= 8; n++) {
        s.awaitStarted(n).crash(n);
      }
      s.awaitStarted(9);
      s.supervisor.requestShutdown("test");
      assertThat(s.awaitExitCode()).isZero();
      assertThat(s.supervisor.restarts()).isEqualTo(8);
    }
  }

  @Test
  void aFailedStartIsRetriedWithTheBackoff() throws Exception {
    RestartPolicy policy =
        new RestartPolicy(true, Duration.ofMillis(30), Duration.ofSeconds(1), Duration.ofDays(1));
    try (SupervisedFake s = supervise(policy, QUICK, Obeys.SMART)) {
      FakePostgres first = s.awaitStarted(1);
      s.launcher.failNext(2);
      first.crash(1);

      FakePostgres second = s.awaitStarted(2);
      s.supervisor.requestShutdown("test");

      assertThat(s.awaitExitCode()).isZero();
      assertThat(second.isAlive()).isFalse();
      List<FakeLauncher.Attempt> attempts = s.launcher.attempts();
      assertThat(attempts).hasSize(4);
      assertThat(attempts.get(1).postgres()).isEmpty();
      assertThat(attempts.get(2).postgres()).isEmpty();
      assertThat(millisBetween(first.exitNanos(), attempts.get(1).nanos()))
          .isGreaterThanOrEqualTo(30);
      assertThat(millisBetween(attempts.get(1).nanos(), attempts.get(2).nanos()))
          .isGreaterThanOrEqualTo(60);
      assertThat(millisBetween(attempts.get(2).nanos(), attempts.get(3).nanos()))
          .isGreaterThanOrEqualTo(120);
      assertThat(s.supervisor.restarts()).isEqualTo(3);
    }
  }

  @Test
  void aShutdownDuringTheBackoffStartsNothingMore() throws Exception {
    try (SupervisedFake s = supervise(NEVER_DUE, QUICK, Obeys.SMART)) {
      s.awaitStarted(1).crash(2);
      until("the crash handled", () -> s.crashes().size() == 1);

      s.supervisor.requestShutdown("test");

      assertThat(s.awaitExitCode()).isZero();
      assertThat(s.launcher.attempts()).hasSize(1);
      assertThat(s.supervisor.postmasterPid()).isEmpty();
    }
  }
}
