package io.pgwarden.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The real launcher's signals and readiness, on ordinary processes (no postgres). */
class PostgresLauncherTest {
  @TempDir Path data;

  private PostgresLauncher launcher() {
    return new PostgresLauncher(
        new Children(), Path.of("/nonexistent"), data, data.resolve("fifo"));
  }

  @Test
  void aSignalReachesALiveProcess() throws Exception {
    Process sleeper = new ProcessBuilder("sleep", "60").start();
    try {
      assertThat(launcher().signal(sleeper, Libc.SIGTERM)).isTrue();
      assertThat(sleeper.waitFor(10, TimeUnit.SECONDS)).as("exited on SIGTERM").isTrue();
      assertThat(sleeper.exitValue()).isEqualTo(128 + Libc.SIGTERM);
    } finally {
      sleeper.destroyForcibly();
    }
  }

  @Test
  void aProcessAlreadyReapedIsNotSignalled() throws Exception {
    Process done = new ProcessBuilder("true").start();
    assertThat(done.waitFor(10, TimeUnit.SECONDS)).isTrue();

    // Its pid may already belong to another process: nothing may be sent to it.
    assertThat(launcher().signal(done, Libc.SIGHUP)).isFalse();
  }

  @Test
  void readyOnlyWhenThisPidSaysReady() throws Exception {
    Process self = new ProcessBuilder("sleep", "60").start();
    try {
      PostgresLauncher launcher = launcher();
      assertThat(launcher.acceptsConnections(self)).as("no postmaster.pid").isFalse();
      Files.writeString(data.resolve("postmaster.pid"), pidFile(self.pid(), "starting"));
      assertThat(launcher.acceptsConnections(self)).isFalse();
      Files.writeString(data.resolve("postmaster.pid"), pidFile(self.pid() + 1, "ready"));
      assertThat(launcher.acceptsConnections(self)).as("a predecessor's file").isFalse();
      Files.writeString(data.resolve("postmaster.pid"), pidFile(self.pid(), "ready"));
      assertThat(launcher.acceptsConnections(self)).isTrue();
    } finally {
      self.destroyForcibly();
    }
  }

  /** postmaster.pid as postgres 15 writes it: the status is line 8. */
  private static String pidFile(long pid, String status) {
    return String.join(
        "\n", Long.toString(pid), "/data", "1700000000", "5432", "/run", "*", "1 2", status, "");
  }

  @Test
  void postgresRunsUnderSetsidAndSetprivWhenBothAreThere() {
    Path bin = Path.of("/pg/bin");
    assertThat(
            new PostgresLauncher(
                    new Children(),
                    bin,
                    data,
                    data.resolve("fifo"),
                    Path.of("/usr/bin/setsid"),
                    Path.of("/usr/bin/setpriv"))
                .command())
        .containsExactly(
            "/usr/bin/setsid",
            "/usr/bin/setpriv",
            "--pdeathsig",
            "INT",
            "/pg/bin/postgres",
            "-D",
            data.toString());
    assertThat(
            new PostgresLauncher(
                    new Children(),
                    bin,
                    data,
                    data.resolve("fifo"),
                    data.resolve("no-setsid"),
                    data.resolve("no-setpriv"))
                .command())
        .as("either missing: postgres starts all the same")
        .containsExactly("/pg/bin/postgres", "-D", data.toString());
  }

  /**
   * PR_SET_PDEATHSIG follows the thread that forked: a "postgres" started from a thread that then
   * ends gets SIGINT at once, one started from a thread that lives on keeps running.
   */
  @Test
  void postgresGetsSigintWhenTheThreadThatStartedItEnds() throws Exception {
    Path bin = Files.createDirectory(data.resolve("bin"));
    Path fake = bin.resolve("postgres");
    Files.writeString(
        fake,
        "#!/bin/sh\n# postgres sets its own SIGINT handler; sleep would inherit an ignored one\nexec env --default-signal=INT sleep 60\n");
    Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwx------"));
    PostgresLauncher launcher =
        new PostgresLauncher(new Children(), bin, data, data.resolve("raw.log"));
    assertThat(launcher.command()).as("util-linux is installed here").contains("--pdeathsig");

    Process living = launcher.start();
    awaitExec(living, "sleep");
    CompletableFuture<Process> fromDeadThread = new CompletableFuture<>();
    Thread starter =
        new Thread(
            () -> {
              try {
                Process p = launcher.start();
                // setpriv sets the signal after the fork: end the thread only once it is set.
                awaitExec(p, "sleep");
                fromDeadThread.complete(p);
              } catch (Exception e) {
                fromDeadThread.completeExceptionally(e);
              }
            },
            "short-lived-starter");
    starter.start();
    starter.join();
    Process orphan = fromDeadThread.get(10, TimeUnit.SECONDS);
    try {
      assertThat(orphan.waitFor(10, TimeUnit.SECONDS)).as("ended with its parent thread").isTrue();
      assertThat(orphan.exitValue()).isEqualTo(128 + Libc.SIGINT);
      assertThat(living.isAlive()).as("its parent thread lives on").isTrue();
    } finally {
      living.destroyForcibly();
      orphan.destroyForcibly();
    }
  }

  /** Waits until {@code p} runs {@code command} (its argv[0] after the execs). */
  private static void awaitExec(Process p, String command) throws Exception {
    Path comm = Path.of("/proc", Long.toString(p.pid()), "comm");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!Files.readString(comm).strip().equals(command)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(p + " never ran " + command);
      }
      Thread.sleep(5);
    }
  }
}
