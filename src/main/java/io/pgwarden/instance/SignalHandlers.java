package io.pgwarden.instance;

import io.pgwarden.supervisor.Signals;
import io.pgwarden.supervisor.StraySignals;
import io.pgwarden.supervisor.Supervisor;

/** The signals PID 1 handles, each turned into a request to the supervisor or a reconcile. */
final class SignalHandlers {
  private SignalHandlers() {}

  /**
   * SIGTERM and SIGINT stop postgres smart-then-fast; SIGCHLD reaps orphans; SIGHUP runs {@code
   * reread}, the reconcile the watcher runs on a change, as a daemon re-reads its configuration;
   * every other signal pgwarden can catch is logged and ignored ({@link StraySignals}).
   */
  static void install(Supervisor supervisor, Runnable reread) {
    Signals.handleOrWarn("TERM", () -> supervisor.requestShutdown("SIGTERM"));
    Signals.handleOrWarn("INT", () -> supervisor.requestShutdown("SIGINT"));
    Signals.handleOrWarn("CHLD", supervisor::requestReap);
    Signals.handleOrWarn("HUP", Signals.logged("HUP", "re-reading the spec and Secrets", reread));
    StraySignals.install();
  }
}
