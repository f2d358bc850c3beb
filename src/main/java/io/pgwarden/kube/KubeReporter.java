package io.pgwarden.kube;

import io.pgwarden.core.Reporter;
import java.time.Duration;
import java.time.Instant;
import java.util.TreeSet;

/**
 * Kubernetes mode's {@link Reporter}: Events on the Cluster for what an operator person wants to
 * see in {@code kubectl describe}, and this instance's part of the Cluster's status, both derived
 * from the changes of the instance's state. Every method only queues work for the Kubernetes
 * thread.
 */
final class KubeReporter implements Reporter {
  private final EventRecorder events;
  private final StatusPatcher status;

  KubeReporter(EventRecorder events, StatusPatcher status) {
    this.events = events;
    this.status = status;
  }

  @Override
  public void changed(io.pgwarden.core.InstanceState before, io.pgwarden.core.InstanceState after) {
    if (after.pid() != 0 && after.pid() != before.pid()) {
      events.normal("Started", "postgres started with pid " + after.pid());
    }
    // This instance enters the Cluster's status when it is first ready, not while it starts.
    if (after.ready()) {
      status.update(
          s -> new InstanceState(true, after.primary(), after.timeline(), after.pendingRestart()));
    } else if (before.ready()) {
      status.update(s -> s.withReady(false, s.primary(), s.timeline()));
    } else if (!after.pendingRestart().equals(before.pendingRestart())) {
      status.update(s -> s.withPendingRestart(after.pendingRestart()));
    }
    if (after.ready() && !before.ready()) {
      events.normal(
          "Ready",
          "postgres accepts connections ("
              + (after.primary() ? "primary" : "replica")
              + ", timeline "
              + after.timeline()
              + ")");
    }
    if (!before.configHash().isEmpty() && !before.configHash().equals(after.configHash())) {
      events.normal(
          "Reloaded",
          "postgres reloaded configuration " + after.configHash() + " without a restart");
    }
    if (!after.pendingRestart().isEmpty()
        && !after.pendingRestart().equals(before.pendingRestart())) {
      events.warning(
          "RestartRequired",
          "postgres needs a restart to apply: "
              + String.join(", ", new TreeSet<>(after.pendingRestart())));
    }
    if (!before.certificateFingerprint().isEmpty()
        && !before.certificateFingerprint().equals(after.certificateFingerprint())) {
      events.normal("CertificatesRotated", "new TLS certificates installed and served");
    }
  }

  @Override
  public void postgresCrashed(int code) {
    events.warning(
        "Crashed",
        "postgres exited unexpectedly with code "
            + code
            + "; pgwarden exits so that the kubelet restarts the container");
  }

  @Override
  public void refused(String field, String reason) {
    events.warning(
        "InputRefused", field + ": " + reason + "; the last good configuration stays in force");
  }

  /** A Secret, ConfigMap or the Cluster could not be read (a 403 names the missing permission). */
  void unreadable(String what, String problem, boolean forbidden) {
    if (forbidden) {
      events.warning("Forbidden", "cannot read " + what + ": " + problem);
    }
  }

  @Override
  public void flush(Duration budget) throws InterruptedException {
    Instant until = Instant.now().plus(budget);
    while (!(events.drained() && status.upToDate()) && Instant.now().isBefore(until)) {
      Thread.sleep(20);
    }
  }
}
