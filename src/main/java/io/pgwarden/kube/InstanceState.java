package io.pgwarden.kube;

import java.util.Set;

/**
 * What this instance reports in the Cluster's status.
 *
 * @param ready postgres accepts connections and the roles are applied
 * @param primary postgres is not in recovery
 * @param timeline the timeline postgres runs on
 * @param pendingRestart the parameters that wait for a restart
 */
record InstanceState(boolean ready, boolean primary, long timeline, Set<String> pendingRestart) {
  static final InstanceState STARTING = new InstanceState(false, false, 0, Set.of());

  InstanceState {
    pendingRestart = Set.copyOf(pendingRestart);
  }

  InstanceState withReady(boolean ready, boolean primary, long timeline) {
    return new InstanceState(ready, primary, timeline, pendingRestart);
  }

  InstanceState withPendingRestart(Set<String> parameters) {
    return new InstanceState(ready, primary, timeline, parameters);
  }
}
