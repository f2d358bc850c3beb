package io.pgwarden.instance;

import java.time.Duration;
import java.util.Set;

/**
 * Hears what the instance does, for those outside it: in Kubernetes, Events on the Cluster and its
 * status. Every method returns at once (work is queued) and never throws: reporting must not stall
 * or stop postgres. Standalone mode logs only, so {@link #NONE} ignores everything.
 */
public interface Reporter {
  Reporter NONE = new Reporter() {};

  /** postgres was started with {@code pid}; {@code first} for the first start of this process. */
  default void postgresStarted(long pid, boolean first) {}

  /** postgres exited without being asked to, with {@code code}. */
  default void postgresCrashed(int code) {}

  /** postgres accepts connections and the roles are applied: the instance is ready. */
  default void ready(boolean primary, long timeline) {}

  /** The instance is not ready any more (shutdown). */
  default void notReady() {}

  /** postgres reloaded the configuration {@code hash}. */
  default void reloaded(String hash) {}

  /**
   * The parameters that wait for a restart changed; empty when none waits any more ({@code
   * pendingRestart}).
   */
  default void pendingRestart(Set<String> parameters) {}

  /** New TLS material is installed and served. */
  default void certificatesRotated() {}

  /** Input was refused, the last good configuration kept; {@code field} names what. */
  default void refused(String field, String reason) {}

  /** Before exiting: waits at most {@code budget} for what is queued to be delivered. */
  default void flush(Duration budget) throws InterruptedException {}
}
