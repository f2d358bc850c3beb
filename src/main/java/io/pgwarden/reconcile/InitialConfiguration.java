package io.pgwarden.reconcile;

import io.pgwarden.core.Reporter;
import io.pgwarden.core.StartupException;
import io.pgwarden.pgconf.InvalidConfigurationException;
import io.pgwarden.pgconf.PostgresqlConf;
import io.pgwarden.pgdata.ConfigCheck;
import io.pgwarden.pgdata.ConfigFiles;
import io.pgwarden.pgdata.Initdb;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.spec.Cluster;
import io.pgwarden.supervisor.Commands;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The configuration files of a start, all or nothing like a live change: rendered, installed (into
 * a fresh initdb when PGDATA is empty) and checked by postgres's own parser before postgres runs on
 * them. When the spec is refused, or postgres refuses the files, a PGDATA that holds a cluster
 * keeps the files it has (the last good configuration) and starts on them; an empty PGDATA is not
 * bootstrapped, and the start fails naming what was refused.
 */
public final class InitialConfiguration {
  private static final Logger log = LoggerFactory.getLogger(InitialConfiguration.class);

  /** The TLS digest folded into the hash, possibly waited for. */
  @FunctionalInterface
  public interface TlsDigest {
    String get() throws StartupException, InterruptedException;
  }

  private final ControllerLayout controller;
  private final Path pgBin;
  private final Path dataDir;
  private final int port;
  private final String osUser;

  public InitialConfiguration(
      ControllerLayout controller, Path pgBin, Path dataDir, int port, String osUser) {
    this.controller = controller;
    this.pgBin = pgBin;
    this.dataDir = dataDir;
    this.port = port;
    this.osUser = osUser;
  }

  /**
   * Installs the configuration of {@code cluster}.
   *
   * @param commands runs initdb (its output logged)
   * @param quiet runs postgres's check (its complaint goes into the refusal)
   * @return the hash of the files installed
   * @throws StartupException when there is no configuration postgres can start on
   */
  public String install(
      Cluster cluster,
      boolean empty,
      TlsDigest tlsDigest,
      Commands commands,
      Commands quiet,
      Reporter reporter)
      throws StartupException, InterruptedException {
    try {
      if (empty) {
        log.info("{} is empty: bootstrapping a new cluster with initdb", dataDir);
        String[] hash = new String[1];
        Initdb.run(
            commands,
            pgBin,
            dataDir,
            cluster.spec().bootstrap().initdb(),
            staging -> hash[0] = installChecked(staging, cluster, tlsDigest, quiet, reporter));
        return hash[0];
      }
      return installChecked(dataDir, cluster, tlsDigest, quiet, reporter);
    } catch (IOException e) {
      if (e.getCause() instanceof StartupException s) {
        throw s; // from the TLS material, waited for inside initdb's finisher
      }
      if (e.getCause() instanceof Refused) {
        throw new StartupException(
            e.getMessage() + "; postgres is not started on a configuration that is refused", e);
      }
      throw new StartupException("while preparing " + dataDir + ": " + e.getMessage(), e);
    }
  }

  private String installChecked(
      Path dir, Cluster cluster, TlsDigest tlsDigest, Commands quiet, Reporter reporter)
      throws IOException {
    Configuration.Result config =
        Configuration.render(cluster, controller, port, osUser, digest(tlsDigest));
    for (InvalidConfigurationException refused : config.refused()) {
      reporter.refused(refused.field(), refused.getMessage());
    }
    if (!config.refused().isEmpty()) {
      throw refusal(
          config.refused().stream().map(r -> "refused " + r.field() + ": " + r.getMessage()));
    }
    ConfigFiles.Snapshot before = ConfigFiles.snapshot(dir);
    List<String> changed = ConfigFiles.install(dir, config.files(), PostgresqlConf::withIncludes);
    Optional<String> problem;
    try {
      problem = new ConfigCheck(quiet, pgBin, dir).problems();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while postgres checked the configuration", e);
    }
    if (problem.isPresent()) {
      before.restore();
      reporter.refused("spec.postgresql", problem.get());
      throw refusal(Stream.of("refused spec.postgresql: " + problem.get()));
    }
    if (!changed.isEmpty()) {
      log.info("configuration files updated: {}", changed);
    }
    log.info("configuration hash {}", config.hash());
    return config.hash();
  }

  private static IOException refusal(Stream<String> reasons) {
    String message = String.join("; ", reasons.toList());
    return new IOException(message, new Refused(message));
  }

  /** Initdb's finisher may throw only IOException: a StartupException travels as its cause. */
  private static String digest(TlsDigest tlsDigest) throws IOException {
    try {
      return tlsDigest.get();
    } catch (StartupException e) {
      throw new IOException(e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the TLS material", e);
    }
  }

  /** Marks refused input: the start fails with it, exit code 2. */
  private static final class Refused extends Exception {
    private static final long serialVersionUID = 1L;

    Refused(String message) {
      super(message);
    }
  }
}
