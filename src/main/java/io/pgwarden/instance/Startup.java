package io.pgwarden.instance;

import io.pgwarden.core.Reporter;
import io.pgwarden.core.StartupException;
import io.pgwarden.logs.JsonLineWriter;
import io.pgwarden.logs.JsonLogging;
import io.pgwarden.logs.LogPipeline;
import io.pgwarden.pgconf.InvalidConfigurationException;
import io.pgwarden.pgconf.PostgresqlConf;
import io.pgwarden.pgdata.ConfigFiles;
import io.pgwarden.pgdata.DataDirectory;
import io.pgwarden.pgdata.Initdb;
import io.pgwarden.pgdata.InstanceLock;
import io.pgwarden.pgdata.InvalidDataDirectoryException;
import io.pgwarden.pgdata.RunningPostmaster;
import io.pgwarden.reconcile.Configuration;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.settings.Ports;
import io.pgwarden.settings.Settings;
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.SecretNames;
import io.pgwarden.supervisor.Children;
import io.pgwarden.supervisor.Commands;
import io.pgwarden.supervisor.Libc;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The steps of a start before postgres runs, each failing with a {@link StartupException} that
 * names its input: free ports, the controller directories, PGDATA's state, the TLS material, the
 * owner's credentials, the configuration files (into a fresh initdb when PGDATA is empty), the log
 * FIFOs.
 */
final class Startup {
  private static final Logger log = LoggerFactory.getLogger(Startup.class);
  private static final Duration LEFTOVER_STOP = Duration.ofSeconds(60);

  private final Settings settings;
  private final ControllerLayout controller;
  private final Commands commands;
  private final JsonLineWriter writer;

  Startup(Settings settings, Children children, JsonLineWriter writer) {
    this.settings = settings;
    this.controller = settings.controller();
    this.writer = writer;
    this.commands =
        new Commands(
            children,
            (command, line, stderr) ->
                writer.write(JsonLogging.logLine().commandOutput(command, line, stderr)));
  }

  void checkPortsFree() throws StartupException {
    Optional<String> taken = Ports.firstTaken(settings);
    if (taken.isPresent()) {
      throw new StartupException(taken.get());
    }
  }

  void prepareController() throws StartupException {
    try {
      controller.prepare();
    } catch (IOException e) {
      throw new StartupException(
          "--controller-dir: cannot prepare " + controller.root() + ": " + e.getMessage(), e);
    }
  }

  boolean dataDirectoryEmpty() throws StartupException {
    try {
      return DataDirectory.inspect(settings.dataDir(), "--data") == DataDirectory.State.EMPTY;
    } catch (InvalidDataDirectoryException e) {
      throw new StartupException(e.getMessage(), e);
    } catch (IOException e) {
      throw new StartupException(
          "--data: cannot inspect " + settings.dataDir() + ": " + e.getMessage(), e);
    }
  }

  /** The owner's credentials, generated now when missing (standalone), before postgres runs. */
  void ownerCredentials(Source source, Cluster cluster) throws StartupException {
    String secret = SecretNames.of(cluster).app();
    try {
      source.ownerCredentials(secret, cluster.spec().bootstrap().initdb().owner());
    } catch (IOException e) {
      throw new StartupException(
          "cannot read or create the owner's credentials in Secret "
              + secret
              + ": "
              + e.getMessage(),
          e);
    }
  }

  /**
   * Renders and installs the configuration; into a fresh initdb when {@code empty} (initdb runs
   * while the TLS material is prepared: {@code tlsDigest} is asked for only once initdb is done).
   */
  void installConfiguration(Cluster cluster, boolean empty, TlsDigest tlsDigest, Reporter reporter)
      throws StartupException, InterruptedException {
    try {
      if (empty) {
        log.info("{} is empty: bootstrapping a new cluster with initdb", settings.dataDir());
        Initdb.run(
            commands,
            settings.pgBin(),
            settings.dataDir(),
            cluster.spec().bootstrap().initdb(),
            staging -> install(staging, render(cluster, digestForFinisher(tlsDigest), reporter)));
      } else {
        install(settings.dataDir(), render(cluster, tlsDigest.get(), reporter));
      }
    } catch (IOException e) {
      if (e.getCause() instanceof StartupException s) {
        throw s; // from the TLS material, waited for inside initdb's finisher
      }
      throw new StartupException(
          "while preparing " + settings.dataDir() + ": " + e.getMessage(), e);
    }
  }

  /** Initdb's finisher may throw only IOException: a StartupException travels as its cause. */
  private static String digestForFinisher(TlsDigest tlsDigest) throws IOException {
    try {
      return tlsDigest.get();
    } catch (StartupException e) {
      throw new IOException(e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while waiting for the TLS material", e);
    }
  }

  /** The TLS digest of the configuration hash, possibly waited for. */
  @FunctionalInterface
  interface TlsDigest {
    String get() throws StartupException, InterruptedException;
  }

  private Configuration.Result render(Cluster cluster, String tlsDigest, Reporter reporter) {
    Configuration.Result config =
        Configuration.render(cluster, controller, settings.pgPort(), osUser(), tlsDigest);
    for (InvalidConfigurationException refused : config.refused()) {
      log.error("refused {}: {}", refused.field(), refused.getMessage());
      reporter.refused(refused.field(), refused.getMessage());
    }
    log.info("configuration hash {}", config.hash());
    return config;
  }

  private static void install(Path dir, Configuration.Result config) throws IOException {
    List<String> changed = ConfigFiles.install(dir, config.files(), PostgresqlConf::withIncludes);
    if (!changed.isEmpty()) {
      log.info("configuration files updated: {}", changed);
    }
  }

  /** The log FIFOs, open for reading: the gate before postgres may start. */
  LogPipeline logPipeline() throws StartupException {
    try {
      return LogPipeline.open(controller, writer);
    } catch (IOException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }

  /** This process becomes the only manager of PGDATA and the controller directory, or fails. */
  InstanceLock lock() throws StartupException {
    try {
      return InstanceLock.acquire(settings.dataDir(), controller.root());
    } catch (IOException e) {
      throw new StartupException(e.getMessage(), e);
    }
  }

  /**
   * A postgres left running on PGDATA by a pgwarden that died is stopped (fast) before a new one
   * starts under supervision, instead of failing on the port and on {@code postmaster.pid}.
   */
  void stopLeftoverPostmaster() throws StartupException, InterruptedException {
    try {
      Optional<Long> pid = RunningPostmaster.of(settings.dataDir());
      if (pid.isEmpty()) {
        return;
      }
      log.warn(
          "postgres pid {} runs on {} without its pgwarden (one that died left it): stopping it"
              + " before starting it under supervision",
          pid.get(),
          settings.dataDir());
      Libc.kill(pid.get(), Libc.SIGINT); // a fast shutdown: its clients may never leave
      RunningPostmaster.awaitExit(pid.get(), LEFTOVER_STOP);
    } catch (IOException e) {
      throw new StartupException(
          "--data: a postgres left running on "
              + settings.dataDir()
              + " could not be stopped ("
              + e
              + "); stop it, then start pgwarden again",
          e);
    }
  }

  String osUser() {
    return System.getProperty("user.name", "postgres");
  }
}
