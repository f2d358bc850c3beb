package io.pgwarden.instance;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.pgwarden.logs.JsonLineWriter;
import io.pgwarden.logs.JsonLogging;
import io.pgwarden.pgconf.InvalidConfigurationException;
import io.pgwarden.pgconf.PostgresqlConf;
import io.pgwarden.pgdata.ConfigFiles;
import io.pgwarden.pgdata.DataDirectory;
import io.pgwarden.pgdata.Initdb;
import io.pgwarden.pgdata.InvalidDataDirectoryException;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.settings.Settings;
import io.pgwarden.source.LocalSource;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
import io.pgwarden.spec.SecretNames;
import io.pgwarden.sql.Postgres;
import io.pgwarden.sql.Roles;
import io.pgwarden.supervisor.Children;
import io.pgwarden.supervisor.Commands;
import io.pgwarden.supervisor.Libc;
import io.pgwarden.supervisor.PostgresLauncher;
import io.pgwarden.supervisor.RestartPolicy;
import io.pgwarden.supervisor.ShutdownPolicy;
import io.pgwarden.supervisor.Signals;
import io.pgwarden.supervisor.Supervisor;
import io.pgwarden.tls.InstalledCertificates;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone mode: a real postgres supervised from files, no Kubernetes.
 *
 * <p>{@link #run()} starts, in this order, each step gating the next: settings logged; controller
 * directories; the Cluster read and validated; PGDATA checked; TLS material generated when missing
 * and installed; the owner's credentials ensured; configuration rendered and installed (into a
 * fresh initdb when PGDATA is empty); the log FIFOs opened; signals handled; postgres started by
 * the supervisor, and once it accepts connections the owner role, database and passwords applied.
 *
 * <p>Shutdown order (SIGTERM/SIGINT): postgres (CHECKPOINT, smart, fast), then the log readers
 * after draining the FIFOs, then stdout is flushed; the exit code is the supervisor's.
 */
public final class StandaloneInstance {
  private static final Logger log = LoggerFactory.getLogger(StandaloneInstance.class);
  private static final Duration LOG_DRAIN = Duration.ofSeconds(5);
  private static final int SQL_TIMEOUT_SECONDS = 30;

  private final Settings settings;
  private final ControllerLayout controller;
  private final Children children = new Children();
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
  @SuppressFBWarnings(
      value = "CRLF_INJECTION_LOGS",
      justification =
          "log lines are JSON, escaped by io.pgwarden.logs.JsonText: a CR or LF cannot forge a line")
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
    prepareController();
    Libc.becomeChildSubreaper();
    LocalSource source =
        new LocalSource(settings.specFile(), settings.secretsDir(), settings.configMapsDir());
    Cluster cluster = loadCluster(source);
    DataDirectory.State state = inspectData();
    installCertificates(source, cluster);
    SecretNames secrets = SecretNames.of(cluster);
    LocalSource.Credentials owner;
    try {
      owner = source.ensureCredentials(secrets.app(), cluster.spec().bootstrap().initdb().owner());
    } catch (IOException e) {
      throw new StartupException("while reading or creating the Secret " + secrets.app(), e);
    }
    Configuration.Result config =
        Configuration.render(
            cluster, controller, settings.pgPort(), System.getProperty("user.name", "postgres"));
    for (InvalidConfigurationException refused : config.refused()) {
      log.error("refused {}: {}", refused.field(), refused.getMessage());
    }
    Commands commands =
        new Commands(
            children,
            (command, line, stderr) ->
                writer.write(JsonLogging.logLine().commandOutput(command, line, stderr)));
    installConfiguration(commands, cluster, state, config);
    checkPortFree();

    LogPipeline logs = new LogPipeline(controller, JsonLogging.logLine(), writer);
    try {
      logs.start();
    } catch (IOException e) {
      throw new StartupException("while opening the log FIFOs under " + controller.log(), e);
    }
    Postgres postgres = new Postgres(controller.socket(settings.pgPort()));
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
            first -> applyRolesAndPasswords(postgres, cluster, source, secrets, owner),
            budget -> checkpoint(postgres, budget));
    Signals.handle("TERM", () -> supervisor.requestShutdown("SIGTERM"));
    Signals.handle("INT", () -> supervisor.requestShutdown("SIGINT"));
    Signals.handle("CHLD", supervisor::requestReap);
    int code = supervisor.run();
    actions.shutdownNow();
    logs.stop(LOG_DRAIN);
    log.info("pgwarden exiting with code {}", code);
    writer.flush(LOG_DRAIN);
    return code;
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

  @SuppressFBWarnings(
      value = "CRLF_INJECTION_LOGS",
      justification =
          "log lines are JSON, escaped by io.pgwarden.logs.JsonText: a CR or LF cannot forge a line")
  private void installCertificates(LocalSource source, Cluster cluster) throws StartupException {
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
      InstalledCertificates.install(
          controller.certificates(),
          required(source, names.server(), "tls.crt"),
          required(source, names.server(), "tls.key"),
          required(source, names.serverCa(), "ca.crt"),
          required(source, names.clientCa(), "ca.crt"),
          required(source, names.replication(), "tls.crt"),
          required(source, names.replication(), "tls.key"),
          Instant.now());
    } catch (TlsMaterialException e) {
      throw new StartupException("TLS material refused: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new StartupException("while installing TLS material: " + e.getMessage(), e);
    }
  }

  private static byte[] required(LocalSource source, String secret, String key)
      throws IOException, StartupException {
    Optional<byte[]> value = source.secret(secret, key);
    if (value.isEmpty()) {
      throw new StartupException(
          "Secret "
              + secret
              + " has no key "
              + key
              + " (expected the file "
              + source.secretsDir().resolve(secret).resolve(key)
              + ")");
    }
    return value.get();
  }

  @SuppressFBWarnings(
      value = "CRLF_INJECTION_LOGS",
      justification =
          "log lines are JSON, escaped by io.pgwarden.logs.JsonText: a CR or LF cannot forge a line")
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
  private void checkPortFree() throws StartupException {
    try (ServerSocket probe = new ServerSocket()) {
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(settings.pgPort()));
    } catch (IOException e) {
      throw new StartupException(
          "--pg-port: port "
              + settings.pgPort()
              + " is already in use ("
              + e.getMessage()
              + "); stop what listens there or choose another port");
    }
  }

  /**
   * Once postgres accepts connections: the owner role and database, the owner's password, and the
   * superuser's: NULL unless {@code enableSuperuserAccess}, then the one in its Secret.
   */
  @SuppressFBWarnings(
      value = "CRLF_INJECTION_LOGS",
      justification =
          "log lines are JSON, escaped by io.pgwarden.logs.JsonText: a CR or LF cannot forge a line")
  private static void applyRolesAndPasswords(
      Postgres postgres,
      Cluster cluster,
      LocalSource source,
      SecretNames secrets,
      LocalSource.Credentials owner)
      throws SQLException, IOException {
    try (Connection c = postgres.connect("postgres", SQL_TIMEOUT_SECONDS)) {
      Roles.ensureOwnerAndDatabase(
          c, owner.username(), cluster.spec().bootstrap().initdb().database());
      Roles.setPassword(c, owner.username(), owner.password());
      Optional<LocalSource.Credentials> superuser = source.credentials(secrets.superuser());
      if (cluster.spec().enableSuperuserAccess() && superuser.isPresent()) {
        Roles.setPassword(c, "postgres", superuser.get().password());
      } else {
        if (cluster.spec().enableSuperuserAccess()) {
          log.warn(
              "enableSuperuserAccess is true but Secret {} has no username and password; the"
                  + " postgres password stays unset",
              secrets.superuser());
        }
        Roles.clearPassword(c, "postgres");
      }
    }
    log.info(
        "roles applied: owner {} of database {}",
        owner.username(),
        cluster.spec().bootstrap().initdb().database());
  }

  private static void checkpoint(Postgres postgres, Duration budget) throws SQLException {
    int seconds = (int) Math.max(1, Math.min(budget.toSeconds(), Integer.MAX_VALUE));
    try (Connection c = postgres.connect("postgres", seconds);
        Statement st = c.createStatement()) {
      st.execute("CHECKPOINT");
    }
  }
}
