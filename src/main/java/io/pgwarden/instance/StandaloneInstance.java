package io.pgwarden.instance;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.pgwarden.logs.JsonLineWriter;
import io.pgwarden.logs.JsonLogging;
import io.pgwarden.metrics.InstanceMeters;
import io.pgwarden.pgconf.InvalidConfigurationException;
import io.pgwarden.pgconf.PostgresqlConf;
import io.pgwarden.pgdata.ConfigFiles;
import io.pgwarden.pgdata.DataDirectory;
import io.pgwarden.pgdata.Initdb;
import io.pgwarden.pgdata.InvalidDataDirectoryException;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.settings.Settings;
import io.pgwarden.source.LocalSource;
import io.pgwarden.source.LocalWatcher;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
import io.pgwarden.spec.SecretNames;
import io.pgwarden.sql.Postgres;
import io.pgwarden.supervisor.Children;
import io.pgwarden.supervisor.Commands;
import io.pgwarden.supervisor.Libc;
import io.pgwarden.supervisor.PostgresLauncher;
import io.pgwarden.supervisor.RestartPolicy;
import io.pgwarden.supervisor.ShutdownPolicy;
import io.pgwarden.supervisor.Signals;
import io.pgwarden.supervisor.Supervisor;
import io.pgwarden.tls.StandaloneTls;
import io.pgwarden.tls.TlsMaterialException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone mode: a real postgres supervised from files, no Kubernetes.
 *
 * <p>{@link #run()} starts, in this order, each step gating the next: settings logged; the three
 * ports checked free; controller directories; the Cluster read and validated; PGDATA checked; TLS
 * material generated when missing and installed (beside the next steps); the owner's credentials
 * ensured; configuration rendered and installed (into a fresh initdb when PGDATA is empty); the log
 * FIFOs opened; signals handled; then, at the same time, postgres started by the supervisor and the
 * status (8000) and metrics (9187) servers built; the file watcher feeds the reconciler. Once
 * postgres accepts connections the roles, database and passwords are applied.
 *
 * <p>Shutdown order (SIGTERM/SIGINT): postgres (CHECKPOINT, pgwarden's own sessions closed, smart,
 * fast), the watcher, the metrics then the status server, the actions thread, the log readers after
 * draining the FIFOs, and stdout is flushed; the exit code is the supervisor's.
 */
public final class StandaloneInstance {
  private static final Logger log = LoggerFactory.getLogger(StandaloneInstance.class);
  private static final Duration LOG_DRAIN = Duration.ofSeconds(5);
  private static final Duration WATCH_SETTLE = Duration.ofMillis(100);
  private static final Duration WATCH_RESYNC = Duration.ofSeconds(30);

  private final Settings settings;
  private final ControllerLayout controller;
  private final Children children = new Children();
  private final AtomicReference<Supervisor> supervisorRef = new AtomicReference<>();
  private final AtomicReference<StatusService> statusRef = new AtomicReference<>();
  private final AtomicReference<MetricsService> metricsRef = new AtomicReference<>();
  private final ExecutorService actions =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "pgwarden-actions");
            t.setDaemon(true);
            return t;
          });

  public StandaloneInstance(Settings settings) {
    this.settings = settings;
    this.controller = settings.controller();
  }

  /**
   * Runs until postgres is stopped by a signal (0), or cannot run (non-zero).
   *
   * @throws StartupException when the input is unusable; nothing was started then
   */
  public int run() throws StartupException, InterruptedException {
    JsonLineWriter writer = JsonLineWriter.stdout();
    log.info(
        "pgwarden starting: mode={} data={} controller={} spec={} secrets={} pgPort={} pgBin={}",
        settings.mode(),
        settings.dataDir(),
        controller.root(),
        settings.specFile().map(Path::toString).orElse("(defaults)"),
        settings.secretsDir(),
        settings.pgPort(),
        settings.pgBin());
    checkPortFree("--pg-port", settings.pgPort());
    checkPortFree("--status-port", settings.statusPort());
    checkPortFree("--metrics-port", settings.metricsPort());
    prepareController();
    Libc.becomeChildSubreaper();
    LocalSource source =
        new LocalSource(settings.specFile(), settings.secretsDir(), settings.configMapsDir());
    Cluster cluster = loadCluster(source);
    DataDirectory.State state = inspectData();
    // TLS parsing and validation is the slowest step of a start (cold crypto classes). When the
    // installed files are the Secrets' bytes, they were validated when installed: postgres starts
    // on them at once and the full check (expiry, regeneration) follows on the actions thread.
    // Otherwise it runs beside rendering, bootstrap and the log FIFOs, and postgres waits for it.
    CompletableFuture<Void> certificates;
    if (installedCertificatesCurrent(source, cluster)) {
      certificates = CompletableFuture.completedFuture(null);
      actions.execute(() -> revalidateCertificates(source, cluster));
    } else {
      certificates =
          CompletableFuture.runAsync(() -> installCertificatesUnchecked(source, cluster), actions);
    }
    SecretNames secrets = SecretNames.of(cluster);
    try {
      // Generated now when missing, so the password is on disk before postgres can be reached.
      source.ensureCredentials(secrets.app(), cluster.spec().bootstrap().initdb().owner());
    } catch (IOException e) {
      throw new StartupException(
          "--secrets: cannot read or create the Secret "
              + secrets.app()
              + " under "
              + settings.secretsDir()
              + " ("
              + e
              + "); the directory must be writable by pgwarden's user",
          e);
    }
    Configuration.Result config =
        Configuration.render(cluster, controller, settings.pgPort(), osUser());
    for (InvalidConfigurationException refused : config.refused()) {
      log.error("refused {}: {}", refused.field(), refused.getMessage());
    }
    Commands commands =
        new Commands(
            children,
            (command, line, stderr) ->
                writer.write(JsonLogging.logLine().commandOutput(command, line, stderr)));
    installConfiguration(commands, cluster, state, config);

    LogPipeline logs = new LogPipeline(controller, JsonLogging.logLine(), writer);
    try {
      logs.start();
    } catch (IOException e) {
      throw new StartupException(
          "--controller-dir: cannot open the log FIFOs under "
              + controller.log()
              + " ("
              + e
              + "); the directory must be writable by pgwarden's user and on a filesystem that"
              + " supports FIFOs",
          e);
    }
    awaitCertificates(certificates);
    Postgres postgres = new Postgres(controller.socket(settings.pgPort()));
    Reconciler reconciler =
        new Reconciler(
            source,
            controller,
            settings.dataDir(),
            settings.pgPort(),
            osUser(),
            postgres,
            cluster,
            () -> supervisorRef.get().requestReload(),
            this::certificatesRotated,
            this::meters,
            applied -> {
              MetricsService metrics = metricsRef.get();
              if (metrics != null) {
                metrics.reloadQueries(applied);
              }
            });
    String database = cluster.spec().bootstrap().initdb().database();
    Supervisor supervisor =
        new Supervisor(
            new PostgresLauncher(
                children, settings.pgBin(), settings.dataDir(), controller.rawLogFifo()),
            children,
            RestartPolicy.restartWithBackoff(),
            new ShutdownPolicy(
                Duration.ofSeconds(cluster.spec().smartShutdownTimeout()),
                Duration.ofSeconds(cluster.spec().stopDelay())),
            actions::execute,
            first -> reconciler.onReady(database),
            budget -> beforeStop(postgres, budget));
    supervisorRef.set(supervisor);
    handleSignal("TERM", () -> supervisor.requestShutdown("SIGTERM"));
    handleSignal("INT", () -> supervisor.requestShutdown("SIGINT"));
    handleSignal("CHLD", supervisor::requestReap);
    // Netty, its TLS context and the metrics registry take a few hundred milliseconds to build: the
    // HTTP servers come up beside postgres's start instead of before it (ports checked at start).
    Thread httpStarter =
        new Thread(
            () -> startServers(postgres, supervisor, reconciler, source, writer),
            "pgwarden-http-start");
    httpStarter.start();
    LocalWatcher watcher = watch(() -> actions.execute(reconciler::reconcile));
    int code = supervisor.run();
    httpStarter.join();
    closeQuietly(watcher);
    MetricsService metrics = metricsRef.get();
    if (metrics != null) {
      metrics.stop();
    }
    StatusService status = statusRef.get();
    if (status != null) {
      status.stop();
    }
    actions.shutdownNow();
    logs.stop(LOG_DRAIN);
    log.info("pgwarden exiting with code {}", code);
    writer.flush(LOG_DRAIN);
    return code;
  }

  /**
   * A signal ignored by whoever started the JVM cannot be handled: say so, and go on without it.
   */
  private static void handleSignal(String name, Runnable action) {
    try {
      Signals.handle(name, action);
    } catch (IllegalStateException e) {
      log.warn("{}", e.getMessage());
    }
  }

  private void prepareController() throws StartupException {
    try {
      for (Path dir :
          List.of(
              controller.root(),
              controller.run(),
              controller.log(),
              controller.certificates(),
              controller.tmp())) {
        Files.createDirectories(dir);
        // The socket directory 0700: only pgwarden's user may even reach the socket.
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
      }
    } catch (IOException e) {
      throw new StartupException(
          "--controller-dir: cannot prepare " + controller.root() + ": " + e.getMessage(), e);
    }
    // JNA unpacks its native part into jna.tmpdir: the scratch directory, never the root
    // filesystem.
    if (System.getProperty("jna.tmpdir") == null) {
      System.setProperty("jna.tmpdir", controller.tmp().toString());
    }
  }

  private static Cluster loadCluster(LocalSource source) throws StartupException {
    try {
      return source.cluster();
    } catch (InvalidSpecException e) {
      throw new StartupException("invalid Cluster spec: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new StartupException("--spec: cannot read the Cluster: " + e.getMessage(), e);
    }
  }

  private DataDirectory.State inspectData() throws StartupException {
    try {
      return DataDirectory.inspect(settings.dataDir(), "--data");
    } catch (InvalidDataDirectoryException e) {
      throw new StartupException(e.getMessage(), e);
    } catch (IOException e) {
      throw new StartupException(
          "--data: cannot inspect " + settings.dataDir() + ": " + e.getMessage(), e);
    }
  }

  /** Generates what is missing, validates and installs; true when an installed file changed. */
  private boolean installCertificates(LocalSource source, Cluster cluster) throws StartupException {
    String c = cluster.name();
    SecretNames names = SecretNames.of(cluster);
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
      return TlsSecrets.read(source, names).install(controller.certificates(), Instant.now());
    } catch (TlsMaterialException e) {
      throw new StartupException("TLS material refused: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new StartupException("while installing TLS material: " + e.getMessage(), e);
    }
  }

  /**
   * Starts port 8000, then port 9187 on the same event loop; if either cannot start, pgwarden
   * stops: the kubelet could never see it ready, or Prometheus never scrape it.
   */
  private void startServers(
      Postgres postgres,
      Supervisor supervisor,
      Reconciler reconciler,
      LocalSource source,
      JsonLineWriter writer) {
    try {
      StatusService status =
          StatusService.start(
              settings,
              postgres,
              supervisor,
              new Commands(children, (command, line, stderr) -> {}),
              () ->
                  Optional.ofNullable(
                      reconciler.cluster().status().operatorCertificateFingerprint()),
              this::meters);
      statusRef.set(status);
      metricsRef.set(
          MetricsService.start(
              settings,
              postgres,
              supervisor,
              writer,
              source,
              reconciler.cluster(),
              status.group(),
              status::sslContext));
    } catch (StartupException e) {
      log.error("cannot start the HTTP servers: {}", e.getMessage());
      supervisor.requestShutdown("an HTTP server could not start");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** pgwarden's own counters, a no-op until the metrics port is up. */
  private InstanceMeters meters() {
    MetricsService metrics = metricsRef.get();
    return metrics == null ? InstanceMeters.NONE : metrics.meters();
  }

  /**
   * Before a smart shutdown: a CHECKPOINT so the stop has little to write, then pgwarden's own
   * sessions closed, since a smart shutdown waits for every session, these included.
   */
  private void beforeStop(Postgres postgres, Duration budget) throws SQLException {
    try {
      checkpoint(postgres, budget);
    } finally {
      StatusService status = statusRef.get();
      if (status != null) {
        status.disconnect();
      }
      MetricsService metrics = metricsRef.get();
      if (metrics != null) {
        metrics.disconnect();
      }
    }
  }

  /** New certificates are installed: new connections to port 8000 get them too. */
  private void certificatesRotated() {
    StatusService status = statusRef.get();
    if (status != null) {
      status.reloadCertificate();
    }
  }

  /** Whether every installed TLS file already holds exactly its Secret's bytes. */
  private boolean installedCertificatesCurrent(LocalSource source, Cluster cluster) {
    try {
      return TlsSecrets.read(source, SecretNames.of(cluster))
          .matchesInstalled(controller.certificates());
    } catch (IOException e) {
      return false;
    }
  }

  /** The full check of a start that skipped it; a failure leaves the installed material. */
  private void revalidateCertificates(LocalSource source, Cluster cluster) {
    try {
      Supervisor supervisor = supervisorRef.get();
      if (installCertificates(source, cluster) && supervisor != null) {
        supervisor.requestReload(); // postgres may already serve the previous files
        certificatesRotated();
      }
    } catch (StartupException e) {
      log.error("{}; the installed certificates stay in force", e.getMessage());
    }
  }

  private void installCertificatesUnchecked(LocalSource source, Cluster cluster) {
    try {
      installCertificates(source, cluster);
    } catch (StartupException e) {
      throw new CompletionException(e);
    }
  }

  private static void awaitCertificates(CompletableFuture<Void> certificates)
      throws StartupException, InterruptedException {
    try {
      certificates.get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
      if (cause instanceof StartupException s) {
        throw s;
      }
      throw new StartupException("while installing TLS material: " + cause, cause);
    }
  }

  private void installConfiguration(
      Commands commands, Cluster cluster, DataDirectory.State state, Configuration.Result config)
      throws StartupException, InterruptedException {
    try {
      if (state == DataDirectory.State.EMPTY) {
        log.info("{} is empty: bootstrapping a new cluster with initdb", settings.dataDir());
        Initdb.run(
            commands,
            settings.pgBin(),
            settings.dataDir(),
            cluster.spec().bootstrap().initdb(),
            staging -> ConfigFiles.install(staging, config.files(), PostgresqlConf::withIncludes));
      } else {
        List<String> changed =
            ConfigFiles.install(settings.dataDir(), config.files(), PostgresqlConf::withIncludes);
        if (!changed.isEmpty()) {
          log.info("configuration files updated: {}", changed);
        }
      }
      log.info("configuration hash {}", config.hash());
    } catch (IOException e) {
      throw new StartupException(
          "while preparing " + settings.dataDir() + ": " + e.getMessage(), e);
    }
  }

  @SuppressFBWarnings(
      value = "UNENCRYPTED_SERVER_SOCKET",
      justification =
          "a probe that binds the port and closes at once to see whether it is free; it never accepts a connection")
  private static void checkPortFree(String flag, int port) throws StartupException {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(port));
    } catch (IOException e) {
      throw new StartupException(
          flag
              + ": port "
              + port
              + " is already in use ("
              + e.getMessage()
              + "); stop what listens there or choose another port");
    }
  }

  /**
   * Watches the spec file's directory, the Secrets and the ConfigMaps; a change (or a periodic
   * resync) runs the reconciler on the actions thread, after any step already queued there.
   */
  private LocalWatcher watch(Runnable onChange) throws StartupException {
    List<Path> flat =
        settings.specFile().map(f -> List.of(f.toAbsolutePath().getParent())).orElse(List.of());
    try {
      LocalWatcher watcher =
          new LocalWatcher(
              List.of(settings.secretsDir(), settings.configMapsDir()),
              flat,
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

  private static void closeQuietly(LocalWatcher watcher) {
    try {
      watcher.close();
    } catch (IOException e) {
      log.warn("while closing the file watcher: {}", e.getMessage());
    }
  }

  private static String osUser() {
    return System.getProperty("user.name", "postgres");
  }

  private static void checkpoint(Postgres postgres, Duration budget) throws SQLException {
    int seconds = (int) Math.max(1, Math.min(budget.toSeconds(), Integer.MAX_VALUE));
    try (Connection c = postgres.connect("postgres", seconds);
        Statement st = c.createStatement()) {
      st.execute("CHECKPOINT");
    }
  }
}
