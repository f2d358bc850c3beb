package io.pgwarden.instance;

import io.pgwarden.supervisor.Signals;
import io.pgwarden.supervisor.Supervisor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The signals PID 1 handles, each turned into a request to the supervisor's loop. */
final class SignalHandlers {
  private static final Logger log = LoggerFactory.getLogger(SignalHandlers.class);

  private SignalHandlers() {}

  /** SIGTERM and SIGINT stop postgres smart-then-fast; SIGCHLD reaps orphans. */
  static void install(Supervisor supervisor) {
    handle("TERM", () -> supervisor.requestShutdown("SIGTERM"));
    handle("INT", () -> supervisor.requestShutdown("SIGINT"));
    handle("CHLD", supervisor::requestReap);
  }

  /**
   * A signal ignored by whoever started the JVM cannot be handled: say so, and go on without it.
   */
  private static void handle(String name, Runnable action) {
    try {
      Signals.handle(name, action);
    } catch (IllegalStateException e) {
      log.warn("{}", e.getMessage());
    }
  }
}
