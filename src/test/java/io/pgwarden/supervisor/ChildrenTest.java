package io.pgwarden.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ChildrenTest {
  private static final long SELF = ProcessHandle.current().pid();

  @BeforeAll
  static void subreaper() {
    // Affects only the surefire fork that runs the tests.
    Libc.becomeChildSubreaper();
    assertThat(Libc.isChildSubreaper()).isTrue();
  }

  /** State and parent pid from /proc/PID/stat, empty when the process is gone. */
  private static Optional<String[]> stateAndParent(long pid) throws IOException {
    String stat;
    try {
      stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    String[] rest = stat.substring(stat.lastIndexOf(')') + 2).split(" ", 3);
    return Optional.of(new String[] {rest[0], rest[1]});
  }

  @Test
  void orphanedZombieIsReaped() throws Exception {
    Children children = new Children();
    Process sh =
        children.start(
            new ProcessBuilder("sh", "-c", "sleep 0.3 & echo $!")
                .redirectError(ProcessBuilder.Redirect.DISCARD));
    long grandchild;
    try (BufferedReader r =
        new BufferedReader(new InputStreamReader(sh.getInputStream(), StandardCharsets.UTF_8))) {
      grandchild = Long.parseLong(r.readLine().trim());
    }
    assertThat(sh.waitFor(10, TimeUnit.SECONDS)).isTrue();

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (true) {
      Optional<String[]> s = stateAndParent(grandchild);
      assertThat(s).as("the orphan vanished without being reaped by us").isPresent();
      if ("Z".equals(s.get()[0]) && Long.parseLong(s.get()[1]) == SELF) {
        break;
      }
      assertThat(System.nanoTime()).as("orphan never became our zombie").isLessThan(deadline);
      Thread.sleep(20);
    }

    assertThat(children.reapOrphans()).isGreaterThanOrEqualTo(1);
    assertThat(Path.of("/proc", Long.toString(grandchild))).doesNotExist();
  }

  @Test
  void ownChildKeepsItsExitCodeWhileTheReaperRuns() throws Exception {
    Children children = new Children();
    AtomicBoolean done = new AtomicBoolean();
    AtomicInteger scans = new AtomicInteger();
    AtomicReference<Throwable> failure = new AtomicReference<>();
    Thread reaper =
        new Thread(
            () -> {
              try {
                while (!done.get()) {
                  children.reapOrphans();
                  scans.incrementAndGet();
                }
              } catch (RuntimeException e) {
                failure.set(e);
              }
            },
            "test-reaper");
    reaper.setDaemon(true);
    reaper.start();
    try {
      for (int i = 0; i < 5; i++) {
        Process p =
            children.start(
                new ProcessBuilder("sh", "-c", "sleep 0.1; exit 7")
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD));
        assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("run %d", i).isEqualTo(7);
      }
      Process quick =
          children.start(
              new ProcessBuilder("sh", "-c", "exit 7")
                  .redirectOutput(ProcessBuilder.Redirect.DISCARD));
      assertThat(quick.waitFor()).isEqualTo(7);
    } finally {
      done.set(true);
      reaper.join(TimeUnit.SECONDS.toMillis(10));
    }
    assertThat(failure.get()).isNull();
    assertThat(scans.get()).isPositive();
  }
}
