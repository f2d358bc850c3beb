package io.pgwarden.cli;

import io.pgwarden.core.StartupException;
import io.pgwarden.instance.Instance;
import io.pgwarden.logs.JsonLineWriter;
import io.pgwarden.logs.JsonLogging;
import io.pgwarden.logs.JulBridge;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.settings.InvalidSettingException;
import io.pgwarden.settings.RunMode;
import io.pgwarden.settings.Settings;
import io.pgwarden.settings.StatusClientAuth;
import io.pgwarden.standalone.StandaloneMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/** {@code pgwarden standalone}: a real postgres supervised from files, without Kubernetes. */
@Command(
    name = "standalone",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = {
      "Run PostgreSQL under pgwarden without Kubernetes: the Cluster spec from a YAML file (defaults"
          + " when absent), Secrets and ConfigMaps from directories laid out as mounted"
          + " (DIR/<name>/<key>), TLS material and the owner's password generated on first start.",
      "Stop with SIGTERM or Ctrl-C: CHECKPOINT, smart shutdown, then fast."
    })
final class StandaloneCommand implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(StandaloneCommand.class);

  @Option(
      names = "--data",
      paramLabel = "DIR",
      description = "PGDATA (default: the PGDATA environment variable, else ./pgdata)")
  Path data;

  @Option(
      names = "--controller-dir",
      paramLabel = "DIR",
      description =
          "Scratch root standing for /controller: run/ (socket), log/ (FIFOs), certificates/, tmp/"
              + " (default: <data>/../controller)")
  Path controllerDir;

  @Option(
      names = "--spec",
      paramLabel = "FILE",
      description = "Cluster YAML (default: built-in defaults)")
  Path spec;

  @Option(
      names = "--secrets",
      paramLabel = "DIR",
      description = "Secrets as DIR/<name>/<key> (default: <data>/../secrets)")
  Path secrets;

  @Option(
      names = "--config-maps",
      paramLabel = "DIR",
      description = "ConfigMaps as DIR/<name>/<key> (default: <data>/../configmaps)")
  Path configMaps;

  @Option(names = "--pg-port", paramLabel = "N", description = "PostgreSQL port (default: 5432)")
  int pgPort = 5432;

  @Mixin ServerOptions server = new ServerOptions();

  @Option(
      names = "--status-client-auth",
      paramLabel = "MODE",
      converter = ClientAuthConverter.class,
      description =
          "none (default): port 8000 as CloudNativePG serves it; require: every route except the"
              + " kubelet probes needs a client certificate signed by the cluster's client CA")
  StatusClientAuth statusClientAuth = StatusClientAuth.NONE;

  @Override
  public Integer call() throws InterruptedException {
    try {
      JsonLogging.setLevel(server.logLevel);
      Path dataDir = dataDir(System.getenv("PGDATA")).toAbsolutePath().normalize();
      Path parent = dataDir.getParent();
      Settings settings =
          new Settings(
              RunMode.STANDALONE,
              dataDir,
              new ControllerLayout(
                  controllerDir != null ? controllerDir : parent.resolve("controller")),
              Optional.ofNullable(spec),
              secrets != null ? secrets : parent.resolve("secrets"),
              configMaps != null ? configMaps : parent.resolve("configmaps"),
              pgPort,
              server.statusPort,
              server.metricsPort,
              server.metricsPortTls,
              server.pgBin(),
              podName(),
              server.logLevel,
              statusClientAuth);
      JsonLogging.setPodName(settings.podName());
      JulBridge.install(); // pgjdbc logs through java.util.logging
      return new Instance(settings, new StandaloneMode(settings)).run();
    } catch (InvalidSettingException | IllegalArgumentException e) {
      log.error("invalid setting: {}", e.getMessage());
      return Main.EXIT_BAD_INPUT;
    } catch (StartupException e) {
      log.error("cannot start: {}", e.getMessage());
      return Main.EXIT_BAD_INPUT;
    } finally {
      flushLogs();
    }
  }

  private static void flushLogs() throws InterruptedException {
    JsonLineWriter.stdout().flush(Duration.ofSeconds(5));
  }

  /** {@code --data} when given, else PGDATA (as in {@code instance run}), else ./pgdata. */
  Path dataDir(String pgdataEnv) {
    if (data != null) {
      return data;
    }
    return pgdataEnv != null && !pgdataEnv.isBlank() ? Path.of(pgdataEnv) : Path.of("pgdata");
  }

  /** POD_NAME, else the kernel's host name (no resolver lookup: it can stall a start). */
  private static String podName() {
    String env = System.getenv("POD_NAME");
    if (env != null && !env.isBlank()) {
      return env;
    }
    try {
      return Files.readString(Path.of("/proc/sys/kernel/hostname"), StandardCharsets.US_ASCII)
          .trim();
    } catch (IOException e) {
      return "localhost";
    }
  }

  /**
   * {@code --status-client-auth} by its documented values, in any ASCII case: no Unicode case
   * mapping, under which a dotless {@code ı} would pass for an {@code i}.
   */
  static final class ClientAuthConverter implements ITypeConverter<StatusClientAuth> {
    @Override
    public StatusClientAuth convert(String value) {
      StringBuilder lower = new StringBuilder(value.trim());
      for (int i = 0; i < lower.length(); i++) {
        char c = lower.charAt(i);
        if (c >= 'A' && c <= 'Z') {
          lower.setCharAt(i, (char) (c + ('a' - 'A')));
        }
      }
      for (StatusClientAuth auth : StatusClientAuth.values()) {
        if (auth.toString().contentEquals(lower)) {
          return auth;
        }
      }
      throw new TypeConversionException("'" + value + "' is neither none nor require");
    }
  }
}
