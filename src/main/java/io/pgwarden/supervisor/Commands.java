package io.pgwarden.supervisor;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs a short command (initdb, pg_controldata, pg_ctl) to completion, sending each line it prints
 * to the log with the command's name as logger, and keeping the last lines for the error message.
 */
public final class Commands {
  private static final int TAIL_LINES = 20;

  /** Where a command's output lines go. */
  public interface LineSink {
    void line(String command, String line, boolean stderr);
  }

  /** A command that failed; the message carries its exit code and last lines. */
  public static final class CommandFailedException extends IOException {
    private static final long serialVersionUID = 1L;

    public CommandFailedException(String message) {
      super(message);
    }
  }

  private final Children children;
  private final LineSink sink;

  public Commands(Children children, LineSink sink) {
    this.children = children;
    this.sink = sink;
  }

  /**
   * Runs {@code command} and returns its standard output.
   *
   * @throws CommandFailedException when it exits non-zero or outlives {@code timeout}
   */
  @SuppressFBWarnings(
      value = "COMMAND_INJECTION",
      justification =
          "an argv list executed directly, no shell: callers build it from the operator's --pg-bin and fixed flags")
  public String run(List<String> command, Path workDir, Duration timeout)
      throws IOException, InterruptedException {
    Path executable = Path.of(command.get(0)).getFileName();
    String name = executable != null ? executable.toString() : command.get(0);
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .directory(workDir.toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process p = children.start(pb);
    Deque<String> tail = new ArrayDeque<>();
    StringBuilder stdout = new StringBuilder(); // read only after out.join()
    // Both streams are read by threads of their own, so the timeout holds even while the command
    // keeps its output open.
    Thread err = pumpThread(p.getErrorStream(), name, true, tail, null);
    Thread out = pumpThread(p.getInputStream(), name, false, tail, stdout);
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new CommandFailedException(
          name + " did not finish within " + timeout.toMillis() + " ms");
    }
    out.join(TimeUnit.SECONDS.toMillis(5));
    err.join(TimeUnit.SECONDS.toMillis(5));
    if (p.exitValue() != 0) {
      String last;
      synchronized (tail) {
        last = String.join(" | ", tail);
      }
      throw new CommandFailedException(
          name + " failed with exit code " + p.exitValue() + "; its last output: " + last);
    }
    return stdout.toString();
  }

  private Thread pumpThread(
      InputStream in, String name, boolean stderr, Deque<String> tail, StringBuilder keep) {
    Thread t =
        new Thread(
            () -> pump(in, name, stderr, tail, keep), name + (stderr ? "-stderr" : "-stdout"));
    t.setDaemon(true);
    t.start();
    return t;
  }

  private void pump(
      InputStream in, String name, boolean stderr, Deque<String> tail, StringBuilder keep) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      String line;
      while ((line = r.readLine()) != null) {
        sink.line(name, line, stderr);
        if (keep != null) {
          keep.append(line).append('\n');
        }
        synchronized (tail) {
          tail.addLast(line);
          if (tail.size() > TAIL_LINES) {
            tail.removeFirst();
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("while reading the output of " + name, e);
    }
  }
}
