package io.pgwarden.reconcile;

import io.pgwarden.core.Reporter;
import io.pgwarden.pgconf.InvalidConfigurationException;
import io.pgwarden.pgconf.PostgresqlConf;
import io.pgwarden.pgdata.ConfigFiles;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
import io.pgwarden.spec.SecretNames;
import io.pgwarden.tls.TlsMaterial;
import io.pgwarden.tls.TlsMaterialException;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings the files postgres reads in line with the spec and the Secrets, after every change
 * notification (and the periodic resync): reads the Cluster (keeping the last good one when the new
 * one is refused), reads and validates the TLS material when its bytes changed, renders the
 * configuration, installs only what changed, and returns that as {@link Changes}. It never talks to
 * postgres: reloading and confirming are the caller's. Refused input is reported once per distinct
 * refusal, with its field named. Runs on one thread only.
 */
public final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final Source source;
  private final ControllerLayout controller;
  private final Path dataDir;
  private final int port;
  private final String osUser;
  private final Reporter reporter;
  private final Clock clock;

  private volatile Cluster lastGood;
  private String tlsDigest;
  private Set<String> lastRefusals = Set.of();
  private String lastSpecRefusal;
  private String lastTlsRefusal;

  /**
   * @param initial the Cluster the instance started with
   * @param installedTlsDigest {@link TlsSecrets#digest()} of the material installed at start
   */
  public Reconciler(
      Source source,
      ControllerLayout controller,
      Path dataDir,
      int port,
      String osUser,
      Cluster initial,
      String installedTlsDigest,
      Reporter reporter,
      Clock clock) {
    this.source = source;
    this.controller = controller;
    this.dataDir = dataDir;
    this.port = port;
    this.osUser = osUser;
    this.lastGood = initial;
    this.tlsDigest = installedTlsDigest;
    this.reporter = reporter;
    this.clock = clock;
  }

  /** The last Cluster that was accepted. */
  public Cluster cluster() {
    return lastGood;
  }

  /**
   * Reads the Cluster and the Secrets, installs what changed and says what it was; a failure to
   * write leaves the files that were not reached as they were, and is reported as no change so the
   * next reconcile tries again.
   */
  public Changes reconcile() {
    Cluster cluster = loadOrKeepLastGood();
    Optional<TlsMaterial> certificates = installCertificates(cluster);
    Configuration.Result config =
        Configuration.render(cluster, controller, port, osUser, tlsDigest);
    reportRefusals(config.refused());
    List<String> changed;
    try {
      changed = ConfigFiles.install(dataDir, config.files(), PostgresqlConf::withIncludes);
    } catch (IOException e) {
      log.error("while installing the configuration into {}: {}", dataDir, e.getMessage());
      changed = List.of();
    }
    return new Changes(cluster, changed, certificates, config.hash());
  }

  private Cluster loadOrKeepLastGood() {
    try {
      Cluster cluster = source.cluster();
      if (!cluster.name().equals(lastGood.name())) {
        if (refuseOnce("metadata.name", "the cluster name cannot change")) {
          log.error(
              "refused metadata.name: the cluster name cannot change from {} to {}; keeping the"
                  + " last good spec",
              lastGood.name(),
              cluster.name());
        }
        return lastGood;
      }
      lastGood = cluster;
      lastSpecRefusal = null;
      return cluster;
    } catch (InvalidSpecException e) {
      if (refuseOnce("spec", e.getMessage())) {
        log.error("refused spec: {}; the last good configuration stays in force", e.getMessage());
      }
      return lastGood;
    } catch (IOException e) {
      log.error(
          "cannot read the spec: {}; the last good configuration stays in force", e.getMessage());
      return lastGood;
    }
  }

  /**
   * The TLS material, validated and installed when its bytes differ from what was installed last
   * (or from the files on disk); empty when nothing changed or the new material was refused.
   */
  private Optional<TlsMaterial> installCertificates(Cluster cluster) {
    try {
      TlsSecrets secrets = TlsSecrets.read(source, SecretNames.of(cluster));
      String digest = secrets.digest();
      if (digest.equals(tlsDigest) && secrets.matchesInstalled(controller.certificates())) {
        lastTlsRefusal = null;
        return Optional.empty();
      }
      TlsMaterial material = secrets.validate(clock.instant());
      boolean changed = material.install(controller.certificates());
      tlsDigest = digest;
      lastTlsRefusal = null;
      return changed ? Optional.of(material) : Optional.empty();
    } catch (TlsMaterialException | IOException e) {
      // A resync re-reads the same bad material every 30 s: say it once until it changes.
      if (!e.getMessage().equals(lastTlsRefusal)) {
        log.error(
            "refused TLS material: {}; the previous certificates stay in force", e.getMessage());
        reporter.refused("TLS Secrets", e.getMessage());
        lastTlsRefusal = e.getMessage();
      }
      return Optional.empty();
    }
  }

  /** Reports a refused spec once until it changes; true when it is new. */
  private boolean refuseOnce(String field, String reason) {
    String key = field + ": " + reason;
    if (key.equals(lastSpecRefusal)) {
      return false;
    }
    lastSpecRefusal = key;
    reporter.refused(field, reason);
    return true;
  }

  /** Logs refused input once per distinct set, not at every resync. */
  private void reportRefusals(List<InvalidConfigurationException> refused) {
    Set<String> messages = new TreeSet<>();
    for (InvalidConfigurationException e : refused) {
      messages.add(e.getMessage());
    }
    if (!messages.equals(lastRefusals)) {
      for (InvalidConfigurationException e : refused) {
        log.error("refused {}: {}", e.field(), e.getMessage());
        reporter.refused(e.field(), e.getMessage());
      }
      lastRefusals = messages;
    }
  }
}
