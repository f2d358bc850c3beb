package io.pgwarden.settings;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

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

  /**
   * Creates every directory, each 0700 (only pgwarden's user may even reach the socket), and points
   * JNA and Netty's epoll transport at {@link #tmp()} to unpack their native parts, never the root
   * filesystem (Netty falls back to NIO if it cannot).
   */
  public void prepare() throws IOException {
    for (Path dir : List.of(root, run(), log(), certificates(), tmp())) {
      Files.createDirectories(dir);
      Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
    }
    for (String property : List.of("jna.tmpdir", "io.netty.native.workdir")) {
      if (System.getProperty(property) == null) {
        System.setProperty(property, tmp().toString());
      }
    }
  }
}
