package io.pgwarden.cli;

import io.pgwarden.core.StartupException;
import io.pgwarden.instance.Instance;
import io.pgwarden.kube.KubeTarget;
import io.pgwarden.kube.KubernetesMode;
import io.pgwarden.logs.JsonLineWriter;
import io.pgwarden.logs.JsonLogging;
import io.pgwarden.logs.JulBridge;
import io.pgwarden.settings.InvalidSettingException;
import io.pgwarden.settings.Settings;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code pgwarden instance run|init}: Kubernetes mode, as CloudNativePG's instance manager. */
@Command(
    name = "instance",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Kubernetes mode: the Cluster, Secrets and ConfigMaps through the API.",
    subcommands = {InstanceCommand.Run.class, InstanceCommand.Init.class})
final class InstanceCommand {
  private static final Logger log = LoggerFactory.getLogger(InstanceCommand.class);

  private InstanceCommand() {}

  /** What both subcommands do around their own step. */
  private interface Step {
    int run(Instance instance) throws StartupException, InterruptedException;
  }

  private static int execute(InstanceOptions options, Step step) throws InterruptedException {
    Map<String, String> env = System.getenv();
    try {
      JsonLogging.setLevel(options.server.logLevel);
      KubeTarget target = options.target(env);
      Settings settings = options.settings(env, target);
      JsonLogging.setPodName(settings.podName());
      JulBridge.install();
      try (KubernetesMode mode =
          KubernetesMode.connect(target, Duration.ofSeconds(options.startWaitSeconds))) {
        return step.run(new Instance(settings, mode));
      }
    } catch (InvalidSettingException | IllegalArgumentException e) {
      log.error("invalid setting: {}", e.getMessage());
      return Main.EXIT_BAD_INPUT;
    } catch (StartupException e) {
      log.error("cannot start: {}", e.getMessage());
      return Main.EXIT_BAD_INPUT;
    } finally {
      JsonLineWriter.stdout().flush(Duration.ofSeconds(5));
    }
  }

  /** {@code pgwarden instance run}: PID 1 of the postgres container. */
  @Command(
      name = "run",
      mixinStandardHelpOptions = true,
      versionProvider = VersionCommand.Provider.class,
      description = {
        "Supervise PostgreSQL in a pod: read the own Cluster, its Secrets and ConfigMaps through"
            + " the ServiceAccount, serve status (8000) and metrics (9187), patch the Cluster's"
            + " status and create Events.",
        "A postgres crash makes pgwarden exit non-zero (the kubelet restarts the container)."
      })
  static final class Run implements Callable<Integer> {
    @Mixin InstanceOptions options = new InstanceOptions();

    @Override
    public Integer call() throws InterruptedException {
      return execute(options, Instance::run);
    }
  }

  /** {@code pgwarden instance init}: the initdb Job. */
  @Command(
      name = "init",
      mixinStandardHelpOptions = true,
      versionProvider = VersionCommand.Provider.class,
      description = {
        "Bootstrap an empty PGDATA from the own Cluster (initdb and the rendered configuration);"
            + " a PGDATA that already holds a cluster is left alone."
      })
  static final class Init implements Callable<Integer> {
    @Mixin InstanceOptions options = new InstanceOptions();

    @Override
    public Integer call() throws InterruptedException {
      return execute(options, Instance::init);
    }
  }
}
