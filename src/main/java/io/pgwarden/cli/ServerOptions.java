package io.pgwarden.cli;

import io.pgwarden.settings.PgBinaries;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The flags both modes share: the HTTP ports, PostgreSQL's binaries, the log level. */
final class ServerOptions {
  @Option(
      names = "--status-port",
      paramLabel = "N",
      description = "Status API port (default: 8000)")
  int statusPort = 8000;

  @Option(names = "--metrics-port", paramLabel = "N", description = "Metrics port (default: 9187)")
  int metricsPort = 9187;

  @Option(
      names = "--metrics-port-tls",
      description =
          "Serve the metrics port over TLS 1.3 with the server certificate (default: plain)")
  boolean metricsPortTls;

  @Option(
      names = "--pg-bin",
      paramLabel = "DIR",
      description =
          "PostgreSQL's bin directory (default: pg_config --bindir, else the newest"
              + " /usr/lib/postgresql/*/bin)")
  Path pgBin;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      description = "error, warning, info, debug or trace (default: info)")
  String logLevel = "info";

  /** {@code --pg-bin}, else where PostgreSQL is installed. */
  Path pgBin() {
    return pgBin != null ? pgBin : PgBinaries.locate();
  }
}
