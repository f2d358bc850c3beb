package io.pgwarden.pgdata;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A postmaster still running on a data directory, found from its {@code postmaster.pid} and {@code
 * /proc}: what a pgwarden that died leaves behind. It must be recognised, never fought ("port in
 * use", then a crash loop on {@code postmaster.pid}).
 */
public final class RunningPostmaster {
  private RunningPostmaster() {}

  /**
   * The pid of a live postgres process whose {@code postmaster.pid} in {@code dataDir} names it and
   * this directory; empty when none runs (no file, a stale file, another program under that pid).
   */
  public static Optional<Long> of(Path dataDir) throws IOException {
    List<String> lines;
    try {
      lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
    if (lines.size() < 2 || !lines.get(0).strip().matches("[0-9]{1,10}")) {
      return Optional.empty();
    }
    long pid = Long.parseLong(lines.get(0).strip());
    Path recorded = Path.of(lines.get(1).strip());
    if (!recorded.toAbsolutePath().normalize().equals(dataDir.toAbsolutePath().normalize())) {
      return Optional.empty();
    }
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty() || !process.get().isAlive()) {
      return Optional.empty();
    }
    // The pid may have been reused by another program since the file was written.
    String command = process.get().info().command().orElse("");
    return command.endsWith("/postgres") || command.equals("postgres")
        ? Optional.of(pid)
        : Optional.empty();
  }

  /**
   * Waits for the process {@code pid} to exit (after it was asked to stop).
   *
   * @throws IOException when it did not exit within {@code timeout}
   */
  public static void awaitExit(long pid, Duration timeout)
      throws IOException, InterruptedException {
    Optional<ProcessHandle> process = ProcessHandle.of(pid);
    if (process.isEmpty()) {
      return;
    }
    try {
      process.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException(
          "postgres pid " + pid + " did not stop within " + timeout.toSeconds() + " s", e);
    }
  }
}
