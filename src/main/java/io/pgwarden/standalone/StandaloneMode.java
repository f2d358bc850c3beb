package io.pgwarden.standalone;

import io.pgwarden.core.Mode;
import io.pgwarden.core.Reporter;
import io.pgwarden.core.StartupException;
import io.pgwarden.settings.Settings;
import io.pgwarden.source.LocalSource;
import io.pgwarden.source.LocalWatcher;
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
import io.pgwarden.supervisor.RestartPolicy;
import io.pgwarden.tls.StandaloneTls;
import io.pgwarden.tls.TlsMaterialException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone mode: the spec from a YAML file (defaults without one), Secrets and ConfigMaps from
 * directories, TLS material and the owner's password generated on first start, postgres restarted
 * with a backoff after a crash, nothing reported beyond the log.
 */
public final class StandaloneMode implements Mode {
  private static final Logger log = LoggerFactory.getLogger(StandaloneMode.class);
  private static final Duration WATCH_SETTLE = Duration.ofMillis(100);
  private static final Duration WATCH_RESYNC = Duration.ofSeconds(30);

  private final Settings settings;
  private final LocalSource source;

  public StandaloneMode(Settings settings) {
    this.settings = settings;
    this.source =
        new LocalSource(settings.specFile(), settings.secretsDir(), settings.configMapsDir());
  }

  @Override
  public String describe() {
    return "spec="
        + settings.specFile().map(Path::toString).orElse("(defaults)")
        + " secrets="
        + settings.secretsDir()
        + " configMaps="
        + settings.configMapsDir();
  }

  @Override
  public Source source() {
    return source;
  }

  @Override
  public Cluster initialCluster() throws StartupException {
    try {
      return source.cluster();
    } catch (InvalidSpecException e) {
      throw new StartupException("invalid Cluster spec: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new StartupException("--spec: cannot read the Cluster: " + e.getMessage(), e);
    }
  }

  @Override
  public void prepareTls(Cluster cluster) throws StartupException {
    String c = cluster.name();
    try {
      StandaloneTls.Outcome outcome =
          StandaloneTls.ensure(
              settings.secretsDir(),
              c,
              List.of(
                  "localhost",
                  c + "-rw",
                  c + "-rw." + cluster.metadata().namespace() + ".svc",
                  settings.podName()),
              Instant.now());
      if (!outcome.generated().isEmpty()) {
        log.info("generated TLS material: {}", outcome.generated());
      }
    } catch (TlsMaterialException e) {
      throw new StartupException("TLS material refused: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new StartupException(
          "--secrets: cannot generate TLS material under "
              + settings.secretsDir()
              + ": "
              + e.getMessage()
              + "; the directory must be writable by pgwarden's user",
          e);
    }
  }

  @Override
  public boolean bootstrapsEmptyDataDirectory() {
    return true;
  }

  @Override
  public RestartPolicy restartPolicy() {
    return RestartPolicy.restartWithBackoff();
  }

  /**
   * Watches the spec file, the Secrets and the ConfigMaps; a change (or a periodic resync) calls
   * {@code onChange}. Other files next to the spec file (a log, say) are not a change.
   */
  @Override
  public AutoCloseable watch(Runnable onChange) throws StartupException {
    List<Path> spec = settings.specFile().map(List::of).orElse(List.of());
    try {
      LocalWatcher watcher =
          new LocalWatcher(
              List.of(settings.secretsDir(), settings.configMapsDir()),
              spec,
              WATCH_SETTLE,
              WATCH_RESYNC,
              onChange);
      watcher.start();
      return watcher;
    } catch (IOException e) {
      throw new StartupException(
          "while watching the spec and Secrets for changes: " + e.getMessage(), e);
    }
  }

  @Override
  public Reporter reporter() {
    return Reporter.NONE;
  }
}
