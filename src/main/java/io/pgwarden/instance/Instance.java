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
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.SecretNames;
import io.pgwarden.sql.Postgres;
import io.pgwarden.supervisor.Children;
import io.pgwarden.supervisor.Commands;
import io.pgwarden.supervisor.Libc;
import io.pgwarden.supervisor.PostgresLauncher;
import io.pgwarden.supervisor.ShutdownPolicy;
import io.pgwarden.supervisor.Signals;
import io.pgwarden.supervisor.Supervisor;
import io.pgwarden.tls.TlsMaterialException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.ResultSet;
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
 * A real postgres supervised by pgwarden, in either mode: what differs between standalone (files)
 * and Kubernetes (the API) is the {@link Mode}.
 *
 * <p>{@link #run()} starts, in this order, each step gating the next: settings logged; the three
 * ports checked free; controller directories; the Cluster read and validated (Kubernetes: waited
 * for); PGDATA checked; TLS material prepared (standalone: generated when missing) and installed
 * (beside the next steps); the owner's credentials ensured; configuration rendered and installed
 * (into a fresh initdb when PGDATA is empty); the log FIFOs opened; signals handled; then, at the
 * same time, postgres started by the supervisor and the status (8000) and metrics (9187) servers
 * built; the mode's watcher feeds the reconciler. Once postgres accepts connections the roles,
 * database and passwords are applied.
 *
 * <p>Shutdown order (SIGTERM/SIGINT): postgres (CHECKPOINT, pgwarden's own sessions closed, smart,
 * fast), the watcher, the metrics then the status server, the actions thread, the log readers after
 * draining the FIFOs, and stdout is flushed; the exit code is the supervisor's.
 */
public final class Instance {
  private static final Logger log = LoggerFactory.getLogger(Instance.class);
  private static final Duration LOG_DRAIN = Duration.ofSeconds(5);

  private final Settings settings;
  private final Mode mode;
  private final Reporter reporter;
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

  public Instance(Settings settings, Mode mode) {
    this.settings = settings;
    this.mode = mode;
    this.reporter = mode.reporter();
    this.controller = settings.controller();
  }

  /**
   * {@code instance init}, the initdb Job: bootstraps an empty PGDATA (initdb in a staging
   * directory, the rendered configuration installed, then renamed into place) and returns 0; a
   * PGDATA that already holds a cluster is left alone (a Job may run twice). postgres is not
   * started: {@code instance run} creates the owner and database and applies the passwords.
   *
   * @throws StartupException when the input is unusable; nothing was written then
   */
  public int init() throws StartupException, InterruptedException {
    JsonLineWriter writer = JsonLineWriter.stdout();
    log.info(
        "pgwarden instance init: data={} controller={} {}",
        settings.dataDir(),
        controller.root(),
        mode.describe());
    prepareController();
    Cluster cluster = mode.initialCluster();
    DataDirectory.State state = inspectData();
    if (state != DataDirectory.State.EMPTY) {
      log.info("{} already holds a cluster: nothing to bootstrap", settings.dataDir());
      return 0;
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
    log.info("bootstrap of {} done", settings.dataDir());
    return 0;
  }

  /**
   * Runs until postgres is stopped by a signal (0), or cannot run (non-zero).
   *
   * @throws StartupException when the input is unusable; nothing was started then
   */
  public int run() throws StartupException, InterruptedException {
    JsonLineWriter writer = JsonLineWriter.stdout();
    log.info(
        "pgwarden starting: mode={} data={} controller={} {} pgPort={} pgBin={}",
        settings.mode(),
        settings.dataDir(),
        controller.root(),
        mode.describe(),
        settings.pgPort(),
        settings.pgBin());
    checkPortFree("--pg-port", settings.pgPort());
    checkPortFree("--status-port", settings.statusPort());
    checkPortFree("--metrics-port", settings.metricsPort());
    prepareController();
    Libc.becomeChildSubreaper();
    Source source = mode.source();
    Cluster cluster = mode.initialCluster();
    DataDirectory.State state = inspectData();
    if (state == DataDirectory.State.EMPTY && !mode.bootstrapsEmptyDataDirectory()) {
      throw new StartupException(
          "PGDATA: "
              + settings.dataDir()
              + " is empty; bootstrap it first with `pgwarden instance init` (the initdb Job)");
    }
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
      // Generated now when missing (standalone), so the password exists before postgres can be
      // reached.
      source.ownerCredentials(secrets.app(), cluster.spec().bootstrap().initdb().owner());
    } catch (IOException e) {
      throw new StartupException(
          "cannot read or create the owner's credentials in Secret "
              + secrets.app()
              + ": "
              + e.getMessage(),
          e);
    }
    Configuration.Result config =
        Configuration.render(cluster, controller, settings.pgPort(), osUser());
    for (InvalidConfigurationException refused : config.refused()) {
      log.error("refused {}: {}", refused.field(), refused.getMessage());
      reporter.refused(refused.field(), refused.getMessage());
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
            reporter,
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
            mode.restartPolicy(),
            new ShutdownPolicy(
                Duration.ofSeconds(cluster.spec().smartShutdownTimeout()),
                Duration.ofSeconds(cluster.spec().stopDelay())),
            actions::execute,
            first -> {
              reconciler.onReady(database);
              reporter.ready(true, timeline(postgres));
            },
            budget -> beforeStop(postgres, budget),
            new Supervisor.Listener() {
              @Override
              public void started(long pid, boolean firstStart) {
                reporter.postgresStarted(pid, firstStart);
              }

              @Override
              public void crashed(int code) {
                reporter.postgresCrashed(code);
              }
            });
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
    AutoCloseable watcher = mode.watch(() -> actions.execute(reconciler::reconcile));
    int code = supervisor.run();
    reporter.notReady();
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
    reporter.flush(LOG_DRAIN);
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
    // JNA and Netty (its epoll transport) unpack their native parts into the scratch directory,
    // never the root filesystem (Netty falls back to NIO if it cannot).
    for (String property : List.of("jna.tmpdir", "io.netty.native.workdir")) {
      if (System.getProperty(property) == null) {
        System.setProperty(property, controller.tmp().toString());
      }
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
  private boolean installCertificates(Source source, Cluster cluster) throws StartupException {
    SecretNames names = SecretNames.of(cluster);
    mode.prepareTls(cluster);
    try {
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
      Source source,
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
    reporter.certificatesRotated();
    StatusService status = statusRef.get();
    if (status != null) {
      status.reloadCertificate();
    }
  }

  /** Whether every installed TLS file already holds exactly its Secret's bytes. */
  private boolean installedCertificatesCurrent(Source source, Cluster cluster) {
    try {
      return TlsSecrets.read(source, SecretNames.of(cluster))
          .matchesInstalled(controller.certificates());
    } catch (IOException e) {
      return false;
    }
  }

  /** The full check of a start that skipped it; a failure leaves the installed material. */
  private void revalidateCertificates(Source source, Cluster cluster) {
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

  private void installCertificatesUnchecked(Source source, Cluster cluster) {
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

  private static void closeQuietly(AutoCloseable watcher) {
    try {
      watcher.close();
    } catch (Exception e) {
      log.warn("while closing the watcher: {}", e.toString());
    }
  }

  private static String osUser() {
    return System.getProperty("user.name", "postgres");
  }

  /** The timeline postgres runs on, for the status; 0 when it cannot be read. */
  private static long timeline(Postgres postgres) {
    try (Connection c = postgres.connect("postgres", 10);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT timeline_id FROM pg_control_checkpoint()")) {
      return rs.next() ? rs.getLong(1) : 0;
    } catch (SQLException e) {
      log.warn("cannot read the timeline: {}", e.getMessage());
      return 0;
    }
  }

  private static void checkpoint(Postgres postgres, Duration budget) throws SQLException {
    int seconds = (int) Math.max(1, Math.min(budget.toSeconds(), Integer.MAX_VALUE));
    try (Connection c = postgres.connect("postgres", seconds);
        Statement st = c.createStatement()) {
      st.execute("CHECKPOINT");
    }
  }
}
