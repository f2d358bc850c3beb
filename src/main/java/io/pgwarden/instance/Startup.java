package io.pgwarden.instance;

import io.pgwarden.core.Reporter;
import io.pgwarden.core.StartupException;
import io.pgwarden.logs.JsonLineWriter;
import io.pgwarden.logs.JsonLogging;
import io.pgwarden.logs.LogPipeline;
import io.pgwarden.pgdata.ConfigCheck;
import io.pgwarden.pgdata.DataDirectory;
import io.pgwarden.pgdata.InstanceLock;
import io.pgwarden.pgdata.InvalidDataDirectoryException;
import io.pgwarden.pgdata.RunningPostmaster;
import io.pgwarden.reconcile.InitialConfiguration;
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
import java.time.Duration;
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
  private final Commands quiet;
  private final JsonLineWriter writer;

  Startup(Settings settings, Children children, JsonLineWriter writer) {
    this.settings = settings;
    this.controller = settings.controller();
    this.writer = writer;
    this.quiet = new Commands(children, (command, line, stderr) -> {});
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
   * Renders, installs and checks the configuration (into a fresh initdb when {@code empty});
   * returns its hash, empty when the files on disk were kept.
   */
  String installConfiguration(
      Cluster cluster, boolean empty, InitialConfiguration.TlsDigest tlsDigest, Reporter reporter)
      throws StartupException, InterruptedException {
    return new InitialConfiguration(
            controller, settings.pgBin(), settings.dataDir(), settings.pgPort(), osUser())
        .install(cluster, empty, tlsDigest, commands, quiet, reporter);
  }

  /** postgres's own parser on the configuration files in PGDATA. */
  ConfigCheck configCheck() {
    return new ConfigCheck(quiet, settings.pgBin(), settings.dataDir());
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
