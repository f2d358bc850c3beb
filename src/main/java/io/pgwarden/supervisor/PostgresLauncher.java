package io.pgwarden.supervisor;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Starts the postmaster directly, {@code postgres -D <PGDATA>}, never through a shell. It runs in a
 * session and process group of its own ({@code setsid} execs it in place, so the pid is
 * postgres's): a Ctrl-C in a terminal, or a signal to pgwarden's group, reaches pgwarden alone,
 * which then decides how postgres stops. Its stdout and stderr (what postgres prints before its
 * logging collector runs) go to the raw log FIFO, whose reader must already be open.
 */
@SuppressFBWarnings(
    value = "DMI_HARDCODED_ABSOLUTE_FILENAME",
    justification =
        "on the class: reported in the static initializer of SETSID, util-linux's fixed path,"
            + " used only when it is executable there")
public final class PostgresLauncher implements Launcher {
  private static final Path SETSID = Path.of("/usr/bin/setsid");

  private final Children children;
  private final Path pgBin;
  private final Path dataDir;
  private final Path rawLogFifo;

  public PostgresLauncher(Children children, Path pgBin, Path dataDir, Path rawLogFifo) {
    this.children = children;
    this.pgBin = pgBin;
    this.dataDir = dataDir;
    this.rawLogFifo = rawLogFifo;
  }

  @SuppressFBWarnings(
      value = "COMMAND_INJECTION",
      justification =
          "a fixed argv (setsid, postgres -D <data>) executed directly, no shell; the paths are the operator's own flags")
  @Override
  public Process start() throws IOException {
    List<String> command =
        Files.isExecutable(SETSID)
            ? List.of(
                SETSID.toString(), pgBin.resolve("postgres").toString(), "-D", dataDir.toString())
            : List.of(pgBin.resolve("postgres").toString(), "-D", dataDir.toString());
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
