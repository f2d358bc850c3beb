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
  private final Clock clock;

  private final FileCheck check;
  private final Refusals refusals;
  private volatile Cluster lastGood;
  private String tlsDigest;
  private String lastHash;

  /**
   * @param initial the Cluster the instance started with
   * @param installedTlsDigest {@link TlsSecrets#digest()} of the material installed at start
   * @param installedHash the configuration hash of the files installed at start
   * @param check postgres's parsers, asked before a change is kept
   */
  public Reconciler(
      Source source,
      ControllerLayout controller,
      Path dataDir,
      int port,
      String osUser,
      Cluster initial,
      String installedTlsDigest,
      String installedHash,
      FileCheck check,
      Reporter reporter,
      Clock clock) {
    this.source = source;
    this.controller = controller;
    this.dataDir = dataDir;
    this.port = port;
    this.osUser = osUser;
    this.lastGood = initial;
    this.tlsDigest = installedTlsDigest;
    this.lastHash = installedHash;
    this.check = check;
    this.refusals = new Refusals(reporter);
    this.clock = clock;
  }

  /** The last Cluster that was accepted. */
  public Cluster cluster() {
    return lastGood;
  }

  /**
   * Reads the Cluster and the Secrets and, when all of it is accepted, installs what changed and
   * says what it was. All or nothing: a refused parameter, pg_hba or pg_ident line, or TLS
   * material, or files that postgres's own parsers refuse ({@link FileCheck}), leave every file
   * exactly as it was last good, and the change is reported as none.
   */
  public Changes reconcile() throws InterruptedException {
    try {
      return reconcileOrKeep();
    } finally {
      refusals.endRound();
    }
  }

  private Changes reconcileOrKeep() throws InterruptedException {
    Cluster cluster = loadOrKeepLastGood();
    Optional<TlsMaterial> certificates = readCertificates(cluster);
    if (refusals.any()) {
      return unchanged();
    }
    String digest = certificates.map(TlsMaterial::digest).orElse(tlsDigest);
    Configuration.Result config = Configuration.render(cluster, controller, port, osUser, digest);
    for (InvalidConfigurationException refused : config.refused()) {
      refusals.refuse(refused.field(), refused.getMessage());
    }
    if (refusals.any()) {
      return unchanged();
    }
    ConfigFiles.Snapshot before;
    try {
      before = ConfigFiles.snapshot(dataDir);
    } catch (IOException e) {
      log.error("while reading the configuration in {}: {}", dataDir, e.getMessage());
      return unchanged();
    }
    try {
      List<String> changed =
          ConfigFiles.install(dataDir, config.files(), PostgresqlConf::withIncludes);
      if (!changed.isEmpty()) {
        List<String> problems = check.problems();
        if (!problems.isEmpty()) {
          before.restore();
          refusals.refuse("spec.postgresql", String.join("; ", problems));
          return unchanged();
        }
      }
      if (certificates.isPresent()) {
        certificates.get().install(controller.certificates());
        tlsDigest = digest;
      }
      lastGood = cluster;
      lastHash = config.hash();
      return new Changes(cluster, changed, certificates, config.hash());
    } catch (IOException e) {
      // Half a change (new files, the certificates not installed) is no change: put them back.
      log.error("while installing the configuration into {}: {}", dataDir, e.getMessage());
      try {
        before.restore();
      } catch (IOException restore) {
        log.error("while putting back the configuration in {}: {}", dataDir, restore.getMessage());
      }
      return unchanged();
    }
  }

  /** No change: the last good Cluster and hash in force. */
  private Changes unchanged() {
    return new Changes(lastGood, List.of(), Optional.empty(), lastHash);
  }

  /**
   * The spec as read, or the last good one when it is refused (the refusal noted) or unreadable.
   */
  private Cluster loadOrKeepLastGood() {
    try {
      Cluster cluster = source.cluster();
      if (!cluster.name().equals(lastGood.name())) {
        refusals.refuse(
            "metadata.name",
            "the cluster name cannot change from " + lastGood.name() + " to " + cluster.name());
        return lastGood;
      }
      return cluster;
    } catch (InvalidSpecException e) {
      refusals.refuse("spec", e.getMessage());
      return lastGood;
    } catch (IOException e) {
      log.error(
          "cannot read the spec: {}; the last good configuration stays in force", e.getMessage());
      return lastGood;
    }
  }

  /**
   * The TLS material, validated, when its bytes differ from what was installed last (or from the
   * files on disk); empty when nothing changed. Refused material is noted.
   */
  private Optional<TlsMaterial> readCertificates(Cluster cluster) {
    try {
      TlsSecrets secrets = TlsSecrets.read(source, SecretNames.of(cluster));
      if (secrets.digest().equals(tlsDigest)
          && secrets.matchesInstalled(controller.certificates())) {
        return Optional.empty();
      }
      return Optional.of(secrets.validate(clock.instant()));
    } catch (TlsMaterialException | IOException e) {
      refusals.refuse("TLS material", e.getMessage());
      return Optional.empty();
    }
  }
}
