package io.pgwarden.core;

import java.time.Duration;

/**
 * Hears what the instance does, for those outside it: in Kubernetes, Events on the Cluster and its
 * status. It hears every change of the {@link InstanceState} (started, ready, reloaded, a restart
 * pending, certificates rotated, stopping) and, apart, what is not state: a crash and refused
 * input. Every method returns at once (work is queued) and never throws: reporting must not stall
 * or stop postgres. Standalone mode logs only, so {@link #NONE} ignores everything.
 */
public interface Reporter extends InstanceModel.Listener {
  Reporter NONE = new Reporter() {};

  @Override
  default void changed(InstanceState before, InstanceState after) {}

  /** postgres exited without being asked to, with {@code code}. */
  default void postgresCrashed(int code) {}

  /** Input was refused, the last good configuration kept; {@code field} names what. */
  default void refused(String field, String reason) {}

  /** Before exiting: waits at most {@code budget} for what is queued to be delivered. */
  default void flush(Duration budget) throws InterruptedException {}
}
