package io.pgwarden.settings;

import io.pgwarden.logs.LogLevel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything pgwarden is told at start, in either mode. Built once, validated in the constructor,
 * logged once (it holds no secret).
 *
 * @param mode standalone or Kubernetes
 * @param dataDir PGDATA
 * @param controller the scratch layout
 * @param specFile the Cluster YAML (standalone), empty for defaults
 * @param secretsDir Secrets laid out as mounted: {@code DIR/<name>/<key>} (standalone)
 * @param configMapsDir ConfigMaps laid out likewise (standalone)
 * @param pgPort postgres's TCP port
 * @param statusPort the status API's port
 * @param metricsPort the metrics port
 * @param metricsTls serve the metrics port over TLS 1.3 with the server certificate
 * @param pgBin directory of postgres, initdb, pg_ctl, pg_controldata
 * @param podName the name in {@code logging_pod} and status
 * @param logLevel {@code --log-level}
 * @param statusClientAuth {@code --status-client-auth}
 */
public record Settings(
    RunMode mode,
    Path dataDir,
    ControllerLayout controller,
    Optional<Path> specFile,
    Path secretsDir,
    Path configMapsDir,
    int pgPort,
    int statusPort,
    int metricsPort,
    boolean metricsTls,
    Path pgBin,
    String podName,
    LogLevel logLevel,
    StatusClientAuth statusClientAuth) {

  public Settings {
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(logLevel, "--log-level");
    Objects.requireNonNull(statusClientAuth, "--status-client-auth");
    dataDir = dataDir.toAbsolutePath().normalize();
    secretsDir = secretsDir.toAbsolutePath().normalize();
    configMapsDir = configMapsDir.toAbsolutePath().normalize();
    checkPort("--pg-port", pgPort);
    checkPort("--status-port", statusPort);
    checkPort("--metrics-port", metricsPort);
    if (pgPort == statusPort || pgPort == metricsPort || statusPort == metricsPort) {
      throw new InvalidSettingException(
          "--pg-port/--status-port/--metrics-port",
          "the three ports must differ, got " + pgPort + ", " + statusPort + ", " + metricsPort);
    }
    if (specFile.isPresent() && !Files.isRegularFile(specFile.get())) {
      throw new InvalidSettingException(
          "--spec", "no such file " + specFile.get() + " (omit --spec to use the defaults)");
    }
    for (String tool : new String[] {"postgres", "initdb", "pg_ctl", "pg_controldata"}) {
      if (!Files.isExecutable(pgBin.resolve(tool))) {
        throw new InvalidSettingException(
            "--pg-bin",
            pgBin
                + " has no executable "
                + tool
                + " (install postgresql-15, or point --pg-bin at its bin directory)");
      }
    }
    if (podName.isBlank()) {
      throw new InvalidSettingException("POD_NAME", "must not be blank");
    }
    // The socket path must fit sun_path (108 bytes on Linux) or postgres refuses to start.
    int socketPathLength =
        controller.socket(pgPort).toString().getBytes(StandardCharsets.UTF_8).length;
    if (socketPathLength > 107) {
      throw new InvalidSettingException(
          "--controller-dir",
          controller.root()
              + " is too long: the postgres socket path would be "
              + socketPathLength
              + " bytes, the limit is 107; choose a shorter directory");
    }
  }

  private static void checkPort(String key, int port) {
    if (port < 1 || port > 65535) {
      throw new InvalidSettingException(key, "must be between 1 and 65535, got " + port);
    }
  }
}
