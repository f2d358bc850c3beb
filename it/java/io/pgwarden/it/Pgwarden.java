package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgwarden.sql.Postgres;
import io.pgwarden.supervisor.Libc;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * The packaged pgwarden jar run as a process on a directory of its own, in standalone mode or, with
 * {@link #kubernetes}, as {@code instance run}: its stdout parsed as JSON lines, postgres reached
 * over the Unix socket with peer authentication.
 */
final class Pgwarden implements AutoCloseable {
  static final Path PG_BIN = Path.of("/usr/lib/postgresql/15/bin");
  private static final ObjectMapper JSON = new ObjectMapper();

  final Path root;
  final Path data;
  final Path controller;
  final Path secrets;
  final int pgPort;
  final int statusPort;
  final int metricsPort;
  static final String POD = "pgwarden-it-0";
  private final List<String> extraArgs;
  private final Map<String, String> kubeEnv = new HashMap<>();
  private boolean kube;
  private final List<String> lines = new CopyOnWriteArrayList<>();
  private final List<String> unparsable = new CopyOnWriteArrayList<>();
  private Process process;

  Pgwarden(Path root, String... extraArgs) {
    this.root = root;
    this.data = root.resolve("pgdata");
    this.controller = root.resolve("controller");
    this.secrets = root.resolve("secrets");
    this.pgPort = Ports.free();
    this.statusPort = Ports.free();
    this.metricsPort = Ports.free();
    this.extraArgs = List.of(extraArgs);
  }

  /**
   * Kubernetes mode: {@code instance run} (and {@code instance init}) with {@code env} (NAMESPACE,
   * CLUSTER_NAME, KUBECONFIG...) and PGDATA, POD_NAME set from this directory.
   */
  static Pgwarden kubernetes(Path root, Map<String, String> env, String... extraArgs) {
    Pgwarden p = new Pgwarden(root, extraArgs);
    p.kube = true;
    p.kubeEnv.putAll(env);
    p.kubeEnv.put("PGDATA", p.data.toString());
    return p;
  }

  /** Runs {@code instance init} to its end; returns its exit code. */
  int init(Duration timeout) throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command("init"));
    builder.environment().putAll(kubeEnv);
    builder.environment().put("POD_NAME", POD);
    Process p =
        builder
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("instance init did not end within " + timeout + ":\n" + out);
    }
    lines.addAll(List.of(out.split("\n")));
    return p.exitValue();
  }

  /** Starts pgwarden; returns at once. */
  Pgwarden start() throws IOException {
    lines.clear();
    ProcessBuilder builder = new ProcessBuilder(command(kube ? "run" : null));
    builder.environment().putAll(kubeEnv);
    builder.environment().put("POD_NAME", POD);
    process =
        builder
            .redirectErrorStream(true)
            .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()))
            .start();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                  lines.add(line);
                }
              } catch (IOException e) {
                // the process is gone
              }
            },
            "pgwarden-stdout");
    reader.setDaemon(true);
    reader.start();
    return this;
  }

  /** The command line: standalone, or {@code instance <subcommand>}. */
  private List<String> command(String instanceSubcommand) {
    String jar = System.getProperty("pgwarden.jar", "target/pgwarden.jar");
    List<String> cmd = new ArrayList<>();
    // A JVM started with SIGINT ignored (a background job) could never handle it.
    cmd.addAll(List.of("env", "--default-signal=INT,TERM,HUP"));
    cmd.addAll(
        List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-jar", jar));
    if (instanceSubcommand == null) {
      cmd.addAll(List.of("standalone", "--data", data.toString()));
    } else {
      cmd.addAll(
          List.of("instance", instanceSubcommand, "--controller-dir", controller.toString()));
    }
    cmd.addAll(
        List.of(
            "--pg-port",
            Integer.toString(pgPort),
            "--status-port",
            Integer.toString(statusPort),
            "--metrics-port",
            Integer.toString(metricsPort),
            "--pg-bin",
            PG_BIN.toString()));
    cmd.addAll(extraArgs);
    return cmd;
  }

  long pid() {
    return process.pid();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Every stdout line so far, parsed; a line that is not JSON fails the caller's test. */
  List<JsonNode> logs() {
    List<JsonNode> out = new ArrayList<>();
    for (String line : lines) {
      try {
        out.add(JSON.readTree(line));
      } catch (IOException e) {
        unparsable.add(line);
      }
    }
    assertThat(unparsable).as("stdout lines that are not JSON").isEmpty();
    return out;
  }

  /** A position in the output: later waits can look only at what comes after it. */
  int mark() {
    return lines.size();
  }

  /** Waits for a log line matching {@code match}. */
  JsonNode awaitLog(Predicate<JsonNode> match, Duration timeout) throws InterruptedException {
    return awaitLog(0, match, timeout);
  }

  /** Waits for a log line after {@code mark} matching {@code match}. */
  JsonNode awaitLog(int mark, Predicate<JsonNode> match, Duration timeout)
      throws InterruptedException {
    Instant until = Instant.now().plus(timeout);
    while (Instant.now().isBefore(until)) {
      List<JsonNode> all = logs();
      Optional<JsonNode> found =
          all.subList(Math.min(mark, all.size()), all.size()).stream().filter(match).findFirst();
      if (found.isPresent()) {
        return found.get();
      }
      Thread.sleep(50);
    }
    throw new AssertionError(
        "no matching log line within " + timeout + "; the last lines were:\n" + tail(30));
  }

  /** Waits for an instance-manager line whose msg contains {@code text}. */
  JsonNode awaitMessage(String text, Duration timeout) throws InterruptedException {
    return awaitMessage(0, text, timeout);
  }

  /** Waits for an instance-manager line after {@code mark} whose msg contains {@code text}. */
  JsonNode awaitMessage(int mark, String text, Duration timeout) throws InterruptedException {
    return awaitLog(
        mark,
        n ->
            "instance-manager".equals(n.path("logger").asText())
                && n.path("msg").asText().contains(text),
        timeout);
  }

  boolean hasMessage(String text) {
    return logs().stream().anyMatch(n -> n.path("msg").asText().contains(text));
  }

  String tail(int n) {
    int from = Math.max(0, lines.size() - n);
    return String.join("\n", lines.subList(from, lines.size()));
  }

  /**
   * Waits until the roles are applied and ports 8000 and 9187 listen: all come up beside postgres.
   */
  Pgwarden awaitReady() throws InterruptedException {
    awaitMessage("roles applied", Duration.ofSeconds(60));
    awaitMessage("status API listening", Duration.ofSeconds(60));
    awaitMessage("metrics listening", Duration.ofSeconds(60));
    return this;
  }

  Connection connect(String database) throws SQLException {
    return new Postgres(controller.resolve("run").resolve(".s.PGSQL." + pgPort))
        .connect(database, 60);
  }

  /**
   * Runs {@code sql} as postgres in database postgres and returns the first column of the first
   * row.
   */
  String query(String sql) throws SQLException {
    try (Connection c = connect("postgres");
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      return rs.next() ? rs.getString(1) : null;
    }
  }

  /**
   * Waits until every line postgres logged before this call has come out on stdout, where the
   * pipeline is asynchronous: runs a statement carrying a fresh marker and waits for its line.
   * postgres's lines reach pgwarden through one logging collector, in the order they were logged,
   * so the marker's line comes out after theirs. Needs statements logged ({@code
   * log_min_duration_statement = 0} or {@code log_statement = all}).
   */
  void awaitLogsCaughtUp() throws SQLException, InterruptedException {
    String marker = "log_barrier_" + System.nanoTime();
    int from = mark();
    query("SELECT '" + marker + "'");
    awaitLog(
        from,
        n -> n.path("record").path("message").asText().contains(marker),
        Duration.ofSeconds(30));
  }

  long postmasterPid() throws IOException {
    return Long.parseLong(Files.readAllLines(data.resolve("postmaster.pid")).get(0).trim());
  }

  void signal(int signal) {
    Libc.kill(process.pid(), signal);
  }

  int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          "pgwarden did not exit within " + timeout + "; last lines:\n" + tail(30));
    }
    return process.exitValue();
  }

  String controlData() throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(PG_BIN.resolve("pg_controldata").toString(), data.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  /** Stops pgwarden if it still runs, and any postgres it left behind. */
  @Override
  public void close() throws IOException {
    try {
      if (process != null && process.isAlive()) {
        signal(Libc.SIGTERM);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    Path pidFile = data.resolve("postmaster.pid");
    if (Files.exists(pidFile)) {
      long pid = postmasterPid();
      if (ProcessHandle.of(pid).isPresent()) {
        Libc.kill(pid, Libc.SIGQUIT);
      }
    }
  }
}
