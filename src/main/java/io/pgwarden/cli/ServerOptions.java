package io.pgwarden.cli;

import io.pgwarden.logs.LogLevel;
import io.pgwarden.settings.PgBinaries;
import java.nio.file.Path;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

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
      converter = LogLevelConverter.class,
      description = "error, warning, info, debug or trace (default: info)")
  LogLevel logLevel = LogLevel.INFO;

  /** {@code --pg-bin}, else where PostgreSQL is installed. */
  Path pgBin() {
    return pgBin != null ? pgBin : PgBinaries.locate();
  }

  /**
   * {@code --log-level} by the names pgwarden writes ({@code warning}, not {@code WARNING});
   * picocli prefixes the error with the option's name.
   */
  static final class LogLevelConverter implements ITypeConverter<LogLevel> {
    @Override
    public LogLevel convert(String value) {
      try {
        return LogLevel.parse(value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(
            "'" + value + "' is not a log level; use error, warning, info, debug or trace");
      }
    }
  }
}
