package io.pgwarden.cli;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.pgwarden.kube.KubeTarget;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.settings.InvalidSettingException;
import io.pgwarden.settings.RunMode;
import io.pgwarden.settings.Settings;
import io.pgwarden.settings.StatusClientAuth;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * What {@code instance run} and {@code instance init} share: CloudNativePG's flags and environment
 * ({@code PGDATA}, {@code POD_NAME}, {@code NAMESPACE}, {@code CLUSTER_NAME}, {@code PGHOST},
 * {@code PGPORT}), and the standalone flags that let it run outside a pod.
 */
@SuppressFBWarnings(
    value = "DMI_HARDCODED_ABSOLUTE_FILENAME",
    justification =
        "/controller and PGDATA's default are CloudNativePG's pod layout (CONTRACT.md); both are"
            + " flags or environment, the constants are only their defaults")
final class InstanceOptions {
  static final String DEFAULT_PGDATA = "/var/lib/postgresql/data/pgdata";

  @Option(
      names = "--controller-dir",
      paramLabel = "DIR",
      description = "Scratch root: run/ (socket), log/, certificates/, tmp/ (default: /controller)")
  Path controllerDir = Path.of("/controller");

  @Option(
      names = "--pg-port",
      paramLabel = "N",
      description = "PostgreSQL port (default: PGPORT, else 5432)")
  Integer pgPort;

  @Mixin ServerOptions server = new ServerOptions();

  @Option(
      names = "--status-port-tls",
      description =
          "Accepted for CloudNativePG's pod spec: the status port always serves TLS 1.3 only")
  boolean statusPortTls;

  @Option(
      names = "--start-wait",
      paramLabel = "SECONDS",
      description =
          "How long a start waits for the Cluster and its Secrets to exist (default: 120)")
  int startWaitSeconds = 120;

  KubeTarget target(Map<String, String> env) {
    return KubeTarget.fromEnvironment(env);
  }

  Settings settings(Map<String, String> env, KubeTarget target) {
    Path data = Path.of(env.getOrDefault("PGDATA", DEFAULT_PGDATA)).toAbsolutePath().normalize();
    ControllerLayout controller = new ControllerLayout(controllerDir.toAbsolutePath().normalize());
    int port = pgPort != null ? pgPort : portFromEnvironment(env);
    String pghost = env.get("PGHOST");
    if (pghost != null
        && !pghost.isEmpty()
        && !Path.of(pghost).toAbsolutePath().normalize().equals(controller.run())) {
      throw new InvalidSettingException(
          "PGHOST",
          "is "
              + pghost
              + " but postgres's socket directory is "
              + controller.run()
              + " (<--controller-dir>/run); make them agree");
    }
    if (startWaitSeconds < 1) {
      throw new InvalidSettingException(
          "--start-wait", "must be at least 1 second, got " + startWaitSeconds);
    }
    return new Settings(
        RunMode.KUBERNETES,
        data,
        controller,
        Optional.empty(),
        controller.tmp().resolve("unused-secrets"),
        controller.tmp().resolve("unused-configmaps"),
        port,
        server.statusPort,
        server.metricsPort,
        server.metricsPortTls,
        server.pgBin(),
        target.podName(),
        server.logLevel,
        StatusClientAuth.NONE);
  }

  private static int portFromEnvironment(Map<String, String> env) {
    String value = env.get("PGPORT");
    if (value == null || value.isEmpty()) {
      return 5432;
    }
    try {
      return Integer.parseInt(value.trim());
    } catch (NumberFormatException e) {
      throw new InvalidSettingException("PGPORT", "must be a port number, got '" + value + "'");
    }
  }
}
