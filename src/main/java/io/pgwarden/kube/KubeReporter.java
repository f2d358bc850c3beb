package io.pgwarden.kube;

import io.pgwarden.instance.Reporter;
import java.time.Duration;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;

/**
 * Kubernetes mode's {@link Reporter}: Events on the Cluster for what an operator person wants to
 * see in {@code kubectl describe}, and this instance's part of the Cluster's status. Every method
 * only queues work for the Kubernetes thread.
 */
final class KubeReporter implements Reporter {
  private final EventRecorder events;
  private final StatusPatcher status;

  KubeReporter(EventRecorder events, StatusPatcher status) {
    this.events = events;
    this.status = status;
  }

  @Override
  public void postgresStarted(long pid, boolean first) {
    events.normal("Started", "postgres started with pid " + pid);
  }

  @Override
  public void postgresCrashed(int code) {
    events.warning(
        "Crashed",
        "postgres exited unexpectedly with code "
            + code
            + "; pgwarden exits so that the kubelet restarts the container");
    status.update(s -> s.withReady(false, s.primary(), s.timeline()));
  }

  @Override
  public void ready(boolean primary, long timeline) {
    boolean was = status.state().ready();
    status.update(s -> s.withReady(true, primary, timeline));
    if (!was) {
      events.normal(
          "Ready",
          "postgres accepts connections ("
              + (primary ? "primary" : "replica")
              + ", timeline "
              + timeline
              + ")");
    }
  }

  @Override
  public void notReady() {
    status.update(s -> s.withReady(false, s.primary(), s.timeline()));
  }

  @Override
  public void reloaded(String hash) {
    events.normal("Reloaded", "postgres reloaded configuration " + hash + " without a restart");
  }

  @Override
  public void pendingRestart(Set<String> parameters) {
    if (!parameters.isEmpty()) {
      events.warning(
          "RestartRequired",
          "postgres needs a restart to apply: " + String.join(", ", new TreeSet<>(parameters)));
    }
    status.update(s -> s.withPendingRestart(parameters));
  }

  @Override
  public void certificatesRotated() {
    events.normal("CertificatesRotated", "new TLS certificates installed and served");
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
