package io.pgwarden.settings;

import java.nio.file.Path;

/**
 * The scratch directory that stands for {@code /controller} in a pod: the Unix socket, the log
 * FIFOs, TLS material and temporary files. Nothing else is written outside PGDATA.
 */
public record ControllerLayout(Path root) {
  public ControllerLayout {
    root = root.toAbsolutePath().normalize();
  }

  /** Directory of the Unix socket ({@code PGHOST}), 0700. */
  public Path run() {
    return root.resolve("run");
  }

  /** Directory of the log FIFOs. */
  public Path log() {
    return root.resolve("log");
  }

  /** The csvlog FIFO postgres writes its records to. */
  public Path csvLogFifo() {
    return log().resolve("postgres.csv");
  }

  /** The FIFO that receives postgres's non-CSV output (stderr before the collector starts). */
  public Path rawLogFifo() {
    return log().resolve("postgres");
  }

  public Path certificates() {
    return root.resolve("certificates");
  }

  public Path tmp() {
    return root.resolve("tmp");
  }

  /** The postgres Unix socket file for {@code port}. */
  public Path socket(int port) {
    return run().resolve(".s.PGSQL." + port);
  }
}
