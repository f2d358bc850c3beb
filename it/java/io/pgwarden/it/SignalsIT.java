package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgwarden.supervisor.Libc;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signals sent to the pgwarden process (issue 19, failure 6), run as a container's entrypoint
 * should run it: the packaged jar with the flags of {@code config/jvm.options}, stdout and stderr
 * kept apart, the working directory a directory of its own.
 */
class SignalsIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int SIGUSR1 = 10;
  private static final int SIGUSR2 = 12;
  private static final int SIGALRM = 14;

  @TempDir Path dir;

  private Pgwarden layout;
  private Process process;
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final List<String> stderr = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() throws Exception {
    if (process != null && process.isAlive()) {
      Libc.kill(process.pid(), Libc.SIGTERM);
      if (!process.waitFor(60, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    // A postgres this test started must not outlive it, whatever pgwarden did.
    postmasterPid().stream().filter(SignalsIT::isPostgres).forEach(pid -> Libc.kill(pid, 3));
  }

  @Test
  void sighupReReadsTheSpecAndSecretsAndPgwardenLivesOn() throws Exception {
    long postmaster = startReady();
    int mark = stdout.size();

    Libc.kill(process.pid(), Libc.SIGHUP);

    awaitMessage(mark, "SIGHUP received: re-reading the spec and Secrets");
    assertSupervisedAndHealthy(postmaster);
  }

  @Test
  void strayUsr1AlrmAndOthersAreLoggedAndIgnored() throws Exception {
    long postmaster = startReady();
    int[] numbers = {SIGUSR1, SIGALRM, 21, 22, 20, 26, 27};
    String[] names = {"USR1", "ALRM", "TTIN", "TTOU", "TSTP", "VTALRM", "PROF"};
    for (int i = 0; i < numbers.length; i++) {
      int mark = stdout.size();
      Libc.kill(process.pid(), numbers[i]);
      awaitMessage(mark, "SIG" + names[i] + " received and ignored");
    }
    assertSupervisedAndHealthy(postmaster);
  }

  @Test
  void sigusr2NeitherCrashesTheJvmNorLeavesAnErrorFile() throws Exception {
    long postmaster = startReady();
    int mark = stdout.size();

    Libc.kill(process.pid(), SIGUSR2);

    awaitMessage(mark, "SIGUSR2 received and ignored");
    assertSupervisedAndHealthy(postmaster);
    assertThat(errorFiles()).isEmpty();
  }

  @Test
  void sigquitPrintsNothingButJsonOnStdout() throws Exception {
    long postmaster = startReady();

    Libc.kill(process.pid(), Libc.SIGQUIT);

    // The JVM's thread dump still exists, on stderr, for whoever wants it.
    awaitLine(stderr, "Full thread dump");
    assertSupervisedAndHealthy(postmaster);
    assertThat(errorFiles()).isEmpty();
  }

  @Test
  void postgresStopsWhenPgwardenIsKilled() throws Exception {
    long postmaster = startReady();

    Libc.kill(process.pid(), Libc.SIGKILL);
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (runs(postmaster) && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertThat(runs(postmaster)).as("postmaster %d outlived pgwarden", postmaster).isFalse();
    // A fast shutdown: the cluster was shut down cleanly, nothing to recover.
    assertThat(layout.controlData()).containsPattern("Database cluster state:\\s+shut down\\n");
  }

  /** Starts pgwarden, waits until it is ready, returns the postmaster's pid. */
  private long startReady() throws Exception {
    layout = new Pgwarden(dir.resolve("instance"));
    Path cwd = Files.createDirectory(dir.resolve("cwd"));
    List<String> cmd = new ArrayList<>();
    cmd.addAll(List.of("env", "--default-signal=INT,TERM,HUP"));
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("@" + Path.of("config/jvm.options").toAbsolutePath());
    cmd.addAll(
        List.of(
            "-jar",
            Path.of(System.getProperty("pgwarden.jar", "target/pgwarden.jar"))
                .toAbsolutePath()
                .toString(),
            "standalone",
            "--data",
            layout.data.toString(),
            "--pg-port",
            Integer.toString(layout.pgPort),
            "--status-port",
            Integer.toString(layout.statusPort),
            "--metrics-port",
            Integer.toString(layout.metricsPort),
            "--pg-bin",
            Pgwarden.PG_BIN.toString()));
    process =
        new ProcessBuilder(cmd)
            .directory(cwd.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    read(process.getInputStream(), stdout, "stdout");
    read(process.getErrorStream(), stderr, "stderr");
    awaitMessage(0, "roles applied");
    awaitMessage(0, "status API listening");
    awaitMessage(0, "metrics listening");
    return postmasterPid().orElseThrow();
  }

  /** pgwarden runs, the same postmaster serves queries, /healthz answers 200, stdout is JSON. */
  private void assertSupervisedAndHealthy(long postmaster) throws Exception {
    Thread.sleep(1000); // time for a signal's default action, had it one
    assertThat(process.isAlive()).as("pgwarden runs; stderr:\n%s", tail(stderr)).isTrue();
    assertThat(postmasterPid()).hasValue(postmaster);
    assertThat(layout.query("SELECT 1")).isEqualTo("1");
    Https https = new Https(layout.secrets.resolve("pgwarden-ca/ca.crt"), layout.statusPort, null);
    assertThat(https.get("/healthz").statusCode()).isEqualTo(200);
    assertThat(nonJson()).as("stdout lines that are not JSON").isEmpty();
  }

  private java.util.OptionalLong postmasterPid() {
    try {
      if (layout == null || !Files.exists(layout.data.resolve("postmaster.pid"))) {
        return java.util.OptionalLong.empty();
      }
      return java.util.OptionalLong.of(
          Long.parseLong(Files.readAllLines(layout.data.resolve("postmaster.pid")).get(0).strip()));
    } catch (IOException | RuntimeException e) {
      return java.util.OptionalLong.empty();
    }
  }

  private static boolean isPostgres(long pid) {
    try {
      return runs(pid)
          && Files.readString(Path.of("/proc", Long.toString(pid), "comm")).startsWith("postgres");
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether {@code pid} exists and is not a zombie. */
  private static boolean runs(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * hs_err files this pgwarden left where the JVM writes them: its working directory (under {@link
   * #dir}, walked whole), else the temporary directory.
   */
  private List<Path> errorFiles() throws IOException {
    String name = "hs_err_pid" + process.pid() + ".log";
    List<Path> found = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      files.filter(f -> f.getFileName().toString().equals(name)).forEach(found::add);
    }
    for (String tmp : List.of(System.getProperty("java.io.tmpdir"), "/tmp")) {
      if (Files.exists(Path.of(tmp, name))) {
        found.add(Path.of(tmp, name));
      }
    }
    return found;
  }

  private List<String> nonJson() {
    List<String> bad = new ArrayList<>();
    for (String line : stdout) {
      try {
        JSON.readTree(line);
      } catch (IOException e) {
        bad.add(line);
      }
    }
    return bad;
  }

  private void awaitMessage(int mark, String text) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      for (String line : stdout.subList(Math.min(mark, stdout.size()), stdout.size())) {
        try {
          JsonNode n = JSON.readTree(line);
          if ("instance-manager".equals(n.path("logger").asText())
              && n.path("msg").asText().contains(text)) {
            return;
          }
        } catch (IOException e) {
          // reported by nonJson()
        }
      }
      if (!process.isAlive()) {
        break;
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "no '"
            + text
            + "' line; pgwarden "
            + (process.isAlive() ? "runs" : "exited with " + process.exitValue())
            + "; stdout:\n"
            + tail(stdout)
            + "\nstderr:\n"
            + tail(stderr));
  }

  private void awaitLine(List<String> lines, String text) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      if (lines.stream().anyMatch(l -> l.contains(text))) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no '" + text + "' line; stderr:\n" + tail(stderr));
  }

  private static String tail(List<String> lines) {
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
  }

  private static void read(InputStream in, List<String> into, String name) {
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  into.add(line);
                }
              } catch (IOException e) {
                // the process is gone
              }
            },
            "pgwarden-" + name);
    reader.setDaemon(true);
    reader.start();
  }
}
