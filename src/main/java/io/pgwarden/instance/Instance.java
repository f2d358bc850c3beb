package io.pgwarden.instance;

import io.pgwarden.core.InstanceModel;
import io.pgwarden.core.InstanceState;
import io.pgwarden.core.Mode;
import io.pgwarden.core.Reporter;
import io.pgwarden.core.Role;
import io.pgwarden.core.StartupException;
import io.pgwarden.logs.JsonLineWriter;
import io.pgwarden.logs.LogPipeline;
import io.pgwarden.pgdata.InstanceLock;
import io.pgwarden.reconcile.Changes;
import io.pgwarden.reconcile.FileCheck;
import io.pgwarden.reconcile.Passwords;
import io.pgwarden.reconcile.Reconciler;
import io.pgwarden.reconcile.StartingCertificates;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.settings.Settings;
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.sql.Postgres;
import io.pgwarden.sql.ServerState;
import io.pgwarden.supervisor.Children;
import io.pgwarden.supervisor.Libc;
import io.pgwarden.supervisor.PostgresLauncher;
import io.pgwarden.supervisor.ShutdownPolicy;
import io.pgwarden.supervisor.Supervisor;
import java.io.IOException;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real postgres supervised by pgwarden, in either mode: what differs between standalone (files)
 * and Kubernetes (the API) is the {@link Mode}. This class is the wiring: it builds the components,
 * starts them in order, turns what they report into changes of the {@link InstanceModel}, and
 * decides what follows a reconcile ({@link #apply}).
 *
 * <p>{@link #run()} starts, in this order, each step gating the next: the ports checked free and
 * the controller directories ({@link Startup}); the Cluster read and validated (Kubernetes: waited
 * for); PGDATA checked; the TLS material validated and installed (beside the next steps, or after
 * postgres's start when the installed files already hold the Secrets' bytes); the owner's
 * credentials; the configuration rendered and installed (into a fresh initdb when PGDATA is empty);
 * the log FIFOs opened; signals handled; then postgres started by the supervisor while the status
 * (8000) and metrics (9187) servers come up beside it; the mode's watcher feeds the reconciler.
 * Once postgres accepts connections the roles, database and passwords are applied and the instance
 * is ready.
 *
 * <p>Shutdown order (SIGTERM/SIGINT): postgres (CHECKPOINT, pgwarden's own sessions closed, smart,
 * fast), the watcher, the metrics then the status server, the actions thread, the log readers after
 * draining the FIFOs, and stdout is flushed; the exit code is the supervisor's.
 */
public final class Instance {
  private static final Logger log = LoggerFactory.getLogger(Instance.class);
  private static final Duration LOG_DRAIN = Duration.ofSeconds(5);
  private static final Duration RELOAD_WAIT = Duration.ofSeconds(30);

  private final Settings settings;
  private final Mode mode;
  private final Reporter reporter;
  private final ControllerLayout controller;
  private final Children children = new Children();
  private final InstanceModel model = new InstanceModel(InstanceState.INITIAL);
  private InstanceLock lock; // the only manager of PGDATA and the controller directory
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
    model.listen(reporter);
  }

  /**
   * {@code instance init}, the initdb Job: bootstraps an empty PGDATA and returns 0; a PGDATA that
   * already holds a cluster is left alone (a Job may run twice). postgres is not started.
   *
   * @throws StartupException when the input is unusable; nothing was written then
   */
  public int init() throws StartupException, InterruptedException {
    Startup startup = new Startup(settings, children, JsonLineWriter.stdout());
    log.info("pgwarden instance init: data={} {}", settings.dataDir(), mode.describe());
    lock = startup.lock(); // held while this object lives; the kernel drops it at exit
    startup.prepareController();
    Cluster cluster = mode.initialCluster();
    if (!startup.dataDirectoryEmpty()) {
      log.info("{} already holds a cluster: nothing to bootstrap", settings.dataDir());
      closeQuietly(lock);
      return 0;
    }
    startup.installConfiguration(cluster, true, () -> "", Reporter.NONE);
    log.info("bootstrap of {} done", settings.dataDir());
    closeQuietly(lock);
    return 0;
  }

  /**
   * Runs until postgres is stopped by a signal (0), or cannot run (non-zero).
   *
   * @throws StartupException when the input is unusable; nothing was started then
   */
  public int run() throws StartupException, InterruptedException {
    JsonLineWriter writer = JsonLineWriter.stdout();
    Startup startup = new Startup(settings, children, writer);
    log.info(
        "pgwarden starting: mode={} data={} controller={} {} pgPort={} pgBin={}",
        settings.mode(),
        settings.dataDir(),
        controller.root(),
        mode.describe(),
        settings.pgPort(),
        settings.pgBin());
    lock = startup.lock(); // held while this object lives; the kernel drops it at exit
    startup.stopLeftoverPostmaster();
    startup.checkPortsFree();
    startup.prepareController();
    Libc.becomeChildSubreaper();
    Source source = mode.source();
    Cluster cluster = mode.initialCluster();
    boolean empty = startup.dataDirectoryEmpty();
    if (empty && !mode.bootstrapsEmptyDataDirectory()) {
      throw new StartupException(
          "PGDATA: "
              + settings.dataDir()
              + " is empty; bootstrap it first with `pgwarden instance init` (the initdb Job)");
    }
    StartingCertificates certificates =
        StartingCertificates.prepare(mode, source, cluster, controller, actions);
    startup.ownerCredentials(source, cluster);
    String installedHash =
        startup.installConfiguration(cluster, empty, certificates::digest, reporter);
    LogPipeline logs = startup.logPipeline();
    String tlsDigest = certificates.digest(); // postgres waits for new material, if any

    Postgres postgres = new Postgres(controller.socket(settings.pgPort()));
    ServerState server = new ServerState(postgres);
    Reconciler reconciler =
        new Reconciler(
            source,
            controller,
            settings.dataDir(),
            settings.pgPort(),
            startup.osUser(),
            cluster,
            tlsDigest,
            installedHash,
            fileCheck(startup, server),
            reporter,
            Clock.systemUTC());
    Passwords passwords = new Passwords(source, postgres, controller, settings.pgPort(), reporter);
    CompletableFuture<Servers> servers = new CompletableFuture<>();
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
            first -> ready(server, passwords, reconciler.cluster()),
            budget -> beforeStop(server, servers, budget),
            new Supervisor.Listener() {
              @Override
              public void started(long pid, boolean firstStart) {
                model.update(s -> s.started(pid));
              }

              @Override
              public void crashed(int code) {
                reporter.postgresCrashed(code);
                model.update(InstanceState::crashed);
              }
            });
    Runnable reread =
        () -> actions.execute(() -> reconcile(reconciler, supervisor, server, servers, passwords));
    SignalHandlers.install(supervisor, reread);
    whenDone(certificates.material(), m -> model.update(s -> s.serving(m.fingerprint())));
    // Netty, its TLS context and the metrics registry take a few hundred milliseconds to build: the
    // HTTP servers come up beside postgres's start instead of before it (ports checked at start).
    Thread httpStarter =
        new Thread(
            () -> {
              try {
                servers.complete(
                    Servers.start(
                        new Servers.Needs(
                            settings, children, postgres, supervisor, writer, source, model),
                        reconciler::cluster,
                        certificates.awaitMaterial()));
              } catch (StartupException e) {
                log.error("cannot start the HTTP servers: {}", e.getMessage());
                supervisor.requestShutdown("an HTTP server could not start");
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "pgwarden-http-start");
    httpStarter.start();
    AutoCloseable watcher = mode.watch(reread);
    int code = supervisor.run();
    model.update(InstanceState::stopped);
    httpStarter.join();
    closeQuietly(watcher);
    servers.getNow(Servers.NONE).stop();
    actions.shutdownNow();
    reporter.flush(LOG_DRAIN);
    logs.stop(LOG_DRAIN);
    log.info("pgwarden exiting with code {}", code);
    writer.flush(LOG_DRAIN);
    closeQuietly(lock);
    return code;
  }

  private void reconcile(
      Reconciler reconciler,
      Supervisor supervisor,
      ServerState server,
      CompletableFuture<Servers> servers,
      Passwords passwords) {
    try {
      apply(reconciler.reconcile(), supervisor, server, servers, passwords);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // stopping
    } catch (RuntimeException e) {
      // A defect must not kill the actions thread, nor reach stdout as a plain stack trace.
      log.error("reconcile failed, the last good configuration stays in force: {}", e.toString());
    }
  }

  /**
   * postgres's parsers on the files in PGDATA: {@code postgres -C} always, and pg_hba and pg_ident
   * through postgres's views while it runs.
   */
  private FileCheck fileCheck(Startup startup, ServerState server) {
    return () -> {
      List<String> problems = new ArrayList<>();
      startup.configCheck().problems().ifPresent(problems::add);
      if (model.state().ready()) {
        try {
          problems.addAll(server.fileErrors());
        } catch (SQLException e) {
          problems.add("cannot ask postgres to check pg_hba.conf and pg_ident.conf: " + e);
        }
      }
      return problems;
    };
  }

  /**
   * What follows a reconcile: a reload that postgres confirms by reporting the new hash, the new
   * certificate served on port 8000 and in the expiry gauges, the queries reloaded, the passwords
   * applied. Runs on the actions thread.
   */
  private void apply(
      Changes changes,
      Supervisor supervisor,
      ServerState server,
      CompletableFuture<Servers> servers,
      Passwords passwords) {
    boolean ready = model.state().ready();
    if (changes.needsReload()) {
      log.info("applying changes to {} with a reload", changes.described());
      model.update(InstanceState::reloading);
      supervisor.requestReload();
      if (ready && !changes.configHash().isEmpty()) {
        confirmReload(server, changes.configHash());
      }
    }
    changes
        .certificates()
        .ifPresent(
            material -> {
              // Servers that start after this serve it once they have started.
              whenDone(servers, s -> s.serve(material));
              model.update(s -> s.serving(material.fingerprint()));
            });
    whenDone(servers, s -> s.clusterApplied(changes.cluster()));
    if (ready) {
      try {
        passwords.apply(changes.cluster());
      } catch (SQLException | IOException e) {
        log.error("while applying passwords (will retry on the next change): {}", e.getMessage());
      }
    }
  }

  /** Waits until postgres reports {@code hash}: only then is the new configuration in force. */
  private void confirmReload(ServerState server, String hash) {
    try {
      Optional<ServerState.Loaded> loaded = server.awaitLoaded(hash, RELOAD_WAIT);
      loaded.ifPresent(l -> model.update(s -> s.reloaded(hash, l.pendingRestart())));
    } catch (SQLException e) {
      log.error("while checking the reloaded configuration: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** postgres accepts connections: roles, database, passwords; then the instance is ready. */
  private void ready(ServerState server, Passwords passwords, Cluster cluster)
      throws SQLException, IOException {
    passwords.ensureRoles(cluster);
    ServerState.Loaded loaded = server.loaded();
    model.update(
        s ->
            s.running(
                loaded.primary() ? Role.PRIMARY : Role.REPLICA,
                loaded.timeline(),
                loaded.hash(),
                loaded.pendingRestart()));
  }

  /**
   * Before a smart shutdown: not ready any more, a CHECKPOINT so the stop has little to write, then
   * pgwarden's own sessions closed, since a smart shutdown waits for every session, these included.
   */
  private void beforeStop(ServerState server, CompletableFuture<Servers> servers, Duration budget)
      throws SQLException {
    model.update(InstanceState::stopping);
    try {
      server.checkpoint(budget);
    } finally {
      servers.getNow(Servers.NONE).disconnect();
    }
  }

  /**
   * Runs {@code action} once {@code future} completes (at once when it has); a failure skips it.
   */
  @SuppressWarnings("FutureReturnValueIgnored") // the action's own failures are logged where raised
  private static <T> void whenDone(CompletableFuture<T> future, Consumer<T> action) {
    future.thenAccept(action);
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      log.warn("while closing {}: {}", closeable, e.toString());
    }
  }
}
