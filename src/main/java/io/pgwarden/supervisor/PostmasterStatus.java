package io.pgwarden.supervisor;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The postmaster's own view of itself, read from line 8 of {@code postmaster.pid} as {@code pg_ctl
 * -w} does (PostgreSQL 10+, {@code PM_STATUS_*} in {@code src/include/utils/pidfile.h}).
 */
public enum PostmasterStatus {
  /** No postmaster.pid: postgres is not running (or has not written it yet). */
  ABSENT,
  STARTING,
  STOPPING,
  /** Accepting connections (a primary, or a standby in hot standby). */
  READY,
  /** A standby that does not accept connections yet. */
  STANDBY;

  private static final int STATUS_LINE = 7;

  public static PostmasterStatus read(Path dataDir) {
    return read(dataDir, 0);
  }

  /**
   * As {@link #read(Path)}, for the postmaster with {@code pid} only, as {@code pg_ctl -w} checks:
   * after a crash the previous postmaster's file still says {@code ready} until the new one
   * replaces it, so a file of another pid is {@link #STARTING}. A {@code pid} of 0 accepts any.
   */
  @SuppressFBWarnings(
      value = "IMPROPER_UNICODE",
      justification =
          "the status word is ASCII written by postgres itself; the comparison picks a state and guards nothing")
  public static PostmasterStatus read(Path dataDir, long pid) {
    List<String> lines;
    try {
      lines = Files.readAllLines(dataDir.resolve("postmaster.pid"), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return ABSENT;
    } catch (IOException e) {
      return ABSENT;
    }
    if (lines.size() <= STATUS_LINE) {
      return STARTING;
    }
    if (pid != 0 && !Long.toString(pid).equals(lines.get(0).trim())) {
      return STARTING;
    }
    return switch (lines.get(STATUS_LINE).trim().toLowerCase(Locale.ROOT)) {
      case "ready" -> READY;
      case "stopping" -> STOPPING;
      case "standby" -> STANDBY;
      default -> STARTING;
    };
  }
}
