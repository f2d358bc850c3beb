package io.pgwarden.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
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
}
