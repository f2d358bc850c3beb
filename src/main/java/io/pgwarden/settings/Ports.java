package io.pgwarden.settings;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.Optional;

/** Whether the ports of the settings are free on this machine, before anything starts. */
public final class Ports {
  private Ports() {}

  /** The first of postgres's, the status and the metrics port that is taken, as a message. */
  public static Optional<String> firstTaken(Settings settings) {
    Optional<String> taken = taken("--pg-port", settings.pgPort());
    if (taken.isEmpty()) {
      taken = taken("--status-port", settings.statusPort());
    }
    return taken.isEmpty() ? taken("--metrics-port", settings.metricsPort()) : taken;
  }

  @SuppressFBWarnings(
      value = "UNENCRYPTED_SERVER_SOCKET",
      justification =
          "a probe that binds the port and closes at once to see whether it is free; it never accepts a connection")
  private static Optional<String> taken(String flag, int port) {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(port));
      return Optional.empty();
    } catch (IOException e) {
      return Optional.of(
          flag
              + ": port "
              + port
              + " is already in use ("
              + e.getMessage()
              + "); stop what listens there or choose another port");
    }
  }
}
