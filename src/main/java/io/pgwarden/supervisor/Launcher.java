package io.pgwarden.supervisor;

import java.io.IOException;

/**
 * Everything the {@link Supervisor} does to a postgres process: start it, signal it, ask whether it
 * accepts connections. {@link PostgresLauncher} does it to a real postmaster; a test does it to a
 * fake one.
 */
public interface Launcher {
  /** Starts a new postmaster; an {@code IOException} when it could not be started at all. */
  Process start() throws IOException;

  /**
   * Sends {@code signal} ({@link Libc#SIGHUP}, {@code SIGTERM}, {@code SIGINT}, {@code SIGQUIT}) to
   * {@code postgres} if it has not exited.
   *
   * @return false when it had already exited, and nothing was sent
   */
  boolean signal(Process postgres, int signal);

  /** Whether {@code postgres} (this very process, not a predecessor) accepts connections. */
  boolean acceptsConnections(Process postgres);
}
