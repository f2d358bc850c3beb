package io.pgwarden.logs;

import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.supervisor.Libc;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.time.Duration;

/**
 * postgres's two log FIFOs and their readers. {@link #start()} returns once both are open for
 * reading, which is the gate before postgres may start: a record written before would block
 * postgres or be lost.
 */
public final class LogPipeline {
  private static final int FIFO_MODE = 0600;

  private final FifoReader csv;
  private final FifoReader raw;
  private final ControllerLayout controller;

  public LogPipeline(ControllerLayout controller, LogLine logLine, JsonLineWriter writer) {
    this.controller = controller;
    this.csv = FifoReader.csv(controller.csvLogFifo(), logLine, writer);
    this.raw = FifoReader.raw(controller.rawLogFifo(), logLine, writer);
  }

  /**
   * A pipeline with both FIFOs open for reading.
   *
   * @throws IOException saying which directory must be writable and support FIFOs
   */
  public static LogPipeline open(ControllerLayout controller, JsonLineWriter writer)
      throws IOException {
    LogPipeline logs = new LogPipeline(controller, JsonLogging.logLine(), writer);
    try {
      logs.start();
      return logs;
    } catch (IOException e) {
      throw new IOException(
          "--controller-dir: cannot open the log FIFOs under "
              + controller.log()
              + " ("
              + e
              + "); the directory must be writable by pgwarden's user and on a filesystem that"
              + " supports FIFOs",
          e);
    }
  }

  public void start() throws IOException {
    ensureFifo(controller.csvLogFifo());
    ensureFifo(controller.rawLogFifo());
    csv.start();
    raw.start();
  }

  /** Stops the readers after they drained what is already in the pipes. */
  public void stop(Duration timeout) throws InterruptedException {
    csv.stop(timeout);
    raw.stop(timeout);
  }

  private static void ensureFifo(Path path) throws IOException {
    if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      PosixFileAttributes attrs =
          Files.readAttributes(path, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (attrs.isOther() && !attrs.isSymbolicLink()) {
        return; // a FIFO from an earlier start
      }
      Files.delete(path); // a regular file or link where the FIFO belongs
    }
    Libc.mkfifo(path.toString(), FIFO_MODE);
  }
}
