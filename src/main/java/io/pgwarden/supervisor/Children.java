package io.pgwarden.supervisor;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Every process pgwarden starts, and the reaper of those it did not start.
 *
 * <p>As PID 1 (or a child subreaper) pgwarden inherits orphans: backends of a killed postmaster,
 * grandchildren of commands. They become zombies that nobody else will wait for. They are found in
 * {@code /proc} ({@code state == Z}, {@code ppid == us}) and reaped one pid at a time with {@code
 * waitpid(pid, WNOHANG)}. Never {@code waitpid(-1)}: it would also steal the exit status of the
 * children the JVM started through {@link ProcessBuilder}, whose {@code Process.waitFor()} would
 * then report a wrong code. Those children are therefore registered here, under the same lock as
 * the scan, from before they can exit until the JVM has reaped them.
 */
public final class Children {
  private static final Path PROC = Path.of("/proc");

  private final Object lock = new Object();
  private final Set<Long> own = new HashSet<>();
  private final long self = ProcessHandle.current().pid();

  /** Starts {@code builder}'s process, registered so the reaper leaves it to the JVM. */
  @SuppressFBWarnings(
      value = "DLS_DEAD_LOCAL_STORE",
      justification =
          "the unused local is Error Prone's FutureReturnValueIgnored idiom: the future is not awaited on purpose")
  public Process start(ProcessBuilder builder) throws IOException {
    Process p;
    synchronized (lock) {
      p = builder.start();
      own.add(p.pid());
    }
    // The JVM reaps p; only then may its pid be considered by the scan (it could be reused).
    CompletableFuture<Void> unused =
        p.onExit()
            .thenRun(
                () -> {
                  synchronized (lock) {
                    own.remove(p.pid());
                  }
                });
    return p;
  }

  /**
   * Reaps every zombie child that pgwarden did not start itself.
   *
   * @return how many were reaped
   */
  public int reapOrphans() {
    int reaped = 0;
    synchronized (lock) {
      try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, "[0-9]*")) {
        for (Path dir : dirs) {
          Path name = dir.getFileName();
          if (name == null) {
            continue; // a directory entry always has a name
          }
          long pid = Long.parseLong(name.toString());
          if (!own.contains(pid) && isZombieChildOfUs(dir) && Libc.reapIfZombie(pid)) {
            reaped++;
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("while scanning /proc for zombies", e);
      }
    }
    return reaped;
  }

  private boolean isZombieChildOfUs(Path procDir) {
    String stat;
    try {
      stat = Files.readString(procDir.resolve("stat"), StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      return false; // gone between the listing and the read
    } catch (IOException e) {
      return false;
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so parse after the last
    // ')'.
    int close = stat.lastIndexOf(')');
    if (close < 0 || close + 4 > stat.length()) {
      return false;
    }
    String[] rest = stat.substring(close + 2).split(" ", 3);
    return rest.length >= 2 && "Z".equals(rest[0]) && Long.parseLong(rest[1]) == self;
  }
}
