package io.pgwarden.supervisor;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Starts the postmaster directly, {@code postgres -D <PGDATA>}, never through a shell. It runs in a
 * session and process group of its own ({@code setsid} execs it in place, so the pid is
 * postgres's): a Ctrl-C in a terminal, or a signal to pgwarden's group, reaches pgwarden alone,
 * which then decides how postgres stops. Its stdout and stderr (what postgres prints before its
 * logging collector runs) go to the raw log FIFO, whose reader must already be open.
 *
 * <p>{@code setpriv --pdeathsig INT} (util-linux, as {@code setsid}; it also execs in place) sets
 * {@code PR_SET_PDEATHSIG}: should pgwarden die without stopping postgres (SIGKILL, a crash of the
 * JVM), the kernel sends postgres SIGINT, a fast shutdown, so it never runs on unsupervised. The
 * kernel's "parent" is the thread that started the process, so postgres must be started from a
 * thread that lives as long as it is supervised: the {@link Supervisor}'s loop. The signal is set
 * in the child a few milliseconds after the fork, so a pgwarden killed within them, or one without
 * {@code setpriv} (a warning says so), leaves postgres running: the next pgwarden stops a
 * postmaster it finds running on PGDATA before it starts its own. In a container whose PID 1 is
 * pgwarden neither tool is needed (the image has no util-linux): the kernel kills the whole PID
 * namespace when its first process dies.
 */
@SuppressFBWarnings(
    value = "DMI_HARDCODED_ABSOLUTE_FILENAME",
    justification =
        "on the class: reported in the static initializers of SETSID and SETPRIV, util-linux's"
            + " fixed paths, used only when they are executable there")
public final class PostgresLauncher implements Launcher {
  private static final Logger log = LoggerFactory.getLogger(PostgresLauncher.class);
  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final Path SETPRIV = Path.of("/usr/bin/setpriv");

  private final Children children;
  private final Path dataDir;
  private final Path rawLogFifo;
  private final List<String> command;

  public PostgresLauncher(Children children, Path pgBin, Path dataDir, Path rawLogFifo) {
    this(children, pgBin, dataDir, rawLogFifo, SETSID, SETPRIV);
  }

  /** With the paths of {@code setsid} and {@code setpriv} (for tests: absent ones). */
  PostgresLauncher(
      Children children, Path pgBin, Path dataDir, Path rawLogFifo, Path setsid, Path setpriv) {
    this.children = children;
    this.dataDir = dataDir;
    this.rawLogFifo = rawLogFifo;
    this.command = command(setsid, setpriv, pgBin, dataDir);
  }

  private static List<String> command(Path setsid, Path setpriv, Path pgBin, Path dataDir) {
    List<String> argv = new ArrayList<>();
    if (Files.isExecutable(setsid)) {
      argv.add(setsid.toString());
    }
    if (Files.isExecutable(setpriv)) {
      argv.addAll(List.of(setpriv.toString(), "--pdeathsig", "INT"));
    } else if (ProcessHandle.current().pid() == 1) {
      // A container's PID 1: when it dies the kernel kills every process of its PID namespace.
      log.debug("{} not found; as PID 1, postgres cannot outlive pgwarden anyway", setpriv);
    } else {
      log.warn(
          "{} not found: should pgwarden be killed, postgres would run on unsupervised until the"
              + " next pgwarden stops it",
          setpriv);
    }
    argv.addAll(List.of(pgBin.resolve("postgres").toString(), "-D", dataDir.toString()));
    return List.copyOf(argv);
  }

  /** The argv postgres is started with. */
  List<String> command() {
    return command;
  }

  @SuppressFBWarnings(
      value = "COMMAND_INJECTION",
      justification =
          "a fixed argv (setsid, setpriv, postgres -D <data>) executed directly, no shell; the paths are the operator's own flags")
  @Override
  public Process start() throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .redirectOutput(ProcessBuilder.Redirect.appendTo(rawLogFifo.toFile()))
            .redirectError(ProcessBuilder.Redirect.appendTo(rawLogFifo.toFile()));
    Map<String, String> env = pb.environment();
    env.put("PGDATA", dataDir.toString());
    return children.start(pb);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Checking {@link Process#isAlive()} first leaves one accepted race: the JVM reaps postgres
   * between the check and {@code kill(2)}, and the kernel reuses its pid for another process in
   * that window. Until the JVM reaps it, a dead postgres is a zombie that still holds its pid, so
   * the signal reaches nobody else.
   */
  @Override
  public boolean signal(Process postgres, int signal) {
    return postgres.isAlive() && Libc.kill(postgres.pid(), signal);
  }

  /** Reads {@code postmaster.pid}, as {@code pg_ctl -w} does. */
  @Override
  public boolean acceptsConnections(Process postgres) {
    return PostmasterStatus.read(dataDir, postgres.pid()) == PostmasterStatus.READY;
  }

  public Path dataDir() {
    return dataDir;
  }
}
