package io.pgwarden.instance;

import io.pgwarden.metrics.InstanceMeters;
import io.pgwarden.pgconf.InvalidConfigurationException;
import io.pgwarden.pgconf.PostgresqlConf;
import io.pgwarden.pgdata.ConfigFiles;
import io.pgwarden.pgdata.PgPass;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.source.Credentials;
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
import io.pgwarden.spec.SecretNames;
import io.pgwarden.sql.Postgres;
import io.pgwarden.sql.Roles;
import io.pgwarden.tls.TlsMaterialException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings postgres in line with the spec and the Secrets, at start and after every change: renders
 * the configuration, installs only what changed, reloads postgres and waits until it reports the
 * new {@code cnpg.config_sha256}, installs rotated certificates (served after the reload, no
 * restart), and applies passwords that changed. Bad input is refused with its field named and the
 * last good configuration stays in force. Runs on one thread only (the actions executor).
 */
final class Reconciler {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);
  private static final Duration HASH_WAIT = Duration.ofSeconds(30);
  private static final int SQL_TIMEOUT_SECONDS = 30;
  private static final String SUPERUSER = "postgres";
  private static final String NO_PASSWORD = "<none>";

  private final Source source;
  private final ControllerLayout controller;
  private final Path dataDir;
  private final int port;
  private final String osUser;
  private final Postgres postgres;
  private final Runnable reload;

  private final Runnable certificatesChanged;
  private final Supplier<InstanceMeters> meters;
  private final Consumer<Cluster> clusterApplied;
  private final Reporter reporter;
  private String lastHash;
  private volatile Cluster lastGood;
  private volatile boolean postgresReady;
  private final Map<String, String> appliedPasswords = new HashMap<>();
  private Set<String> lastRefusals = Set.of();
  private boolean reportedMissingSuperuser;
  private String lastSpecRefusal;
  private String lastTlsRefusal;
  private volatile Set<String> pendingRestart = Set.of();

  Reconciler(
      Source source,
      ControllerLayout controller,
      Path dataDir,
      int port,
      String osUser,
      Postgres postgres,
      Cluster initial,
      Runnable reload,
      Runnable certificatesChanged,
      Supplier<InstanceMeters> meters,
      Reporter reporter,
      Consumer<Cluster> clusterApplied) {
    this.source = source;
    this.controller = controller;
    this.dataDir = dataDir;
    this.port = port;
    this.osUser = osUser;
    this.postgres = postgres;
    this.lastGood = initial;
    this.reload = reload;
    this.certificatesChanged = certificatesChanged;
    this.meters = meters;
    this.clusterApplied = clusterApplied;
    this.reporter = reporter;
  }

  /** The last Cluster that was accepted. */
  Cluster cluster() {
    return lastGood;
  }

  /** Parameters whose new value needs a restart to apply ({@code pendingRestart}). */
  Set<String> pendingRestart() {
    return pendingRestart;
  }

  /** postgres accepts connections: roles, database, passwords; then the normal path. */
  void onReady(String database) throws SQLException, IOException {
    try (Connection c = postgres.connect("postgres", SQL_TIMEOUT_SECONDS)) {
      String owner = ownerCredentials().username();
      Roles.ensureOwnerAndDatabase(c, owner, database);
      Roles.ensureMetricsRole(c);
    }
    postgresReady = true;
    appliedPasswords.clear();
    applyPasswords(lastGood);
    reportPendingRestart();
    log.info("roles applied: owner {} of database {}", ownerCredentials().username(), database);
  }

  /** After a change notification (or a periodic resync). */
  void reconcile() {
    Cluster cluster = loadOrKeepLastGood();
    boolean certificatesChanged = installCertificates(cluster);
    Configuration.Result config = Configuration.render(cluster, controller, port, osUser);
    reportRefusals(config.refused());
    List<String> changed;
    try {
      changed = ConfigFiles.install(dataDir, config.files(), PostgresqlConf::withIncludes);
    } catch (IOException e) {
      log.error("while installing the configuration into {}: {}", dataDir, e.getMessage());
      return;
    }
    if (!changed.isEmpty() || certificatesChanged) {
      List<String> what = new ArrayList<>(changed);
      if (certificatesChanged) {
        what.add("certificates");
      }
      log.info("applying changes to {} with a reload", what);
      reload.run();
      meters.get().reloaded();
      if (lastHash != null && !lastHash.equals(config.hash())) {
        meters.get().configHashChanged();
      }
      if (certificatesChanged) {
        this.certificatesChanged.run();
      }
      if (postgresReady) {
        awaitHashAndReport(config.hash());
      }
    }
    lastHash = config.hash();
    clusterApplied.accept(cluster);
    if (postgresReady) {
      try {
        applyPasswords(cluster);
      } catch (SQLException | IOException e) {
        log.error("while applying passwords (will retry on the next change): {}", e.getMessage());
      }
    }
  }

  private Cluster loadOrKeepLastGood() {
    try {
      Cluster cluster = source.cluster();
      if (!cluster.name().equals(lastGood.name())) {
        log.error(
            "refused metadata.name: the cluster name cannot change from {} to {}; keeping the last"
                + " good spec",
            lastGood.name(),
            cluster.name());
        refuseOnce("metadata.name", "the cluster name cannot change");
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

  private boolean installCertificates(Cluster cluster) {
    SecretNames names = SecretNames.of(cluster);
    try {
      boolean changed =
          TlsSecrets.read(source, names).install(controller.certificates(), Instant.now());
      lastTlsRefusal = null;
      return changed;
    } catch (TlsMaterialException | IOException e) {
      // A resync re-reads the same bad material every 30 s: say it once until it changes.
      if (!e.getMessage().equals(lastTlsRefusal)) {
        log.error(
            "refused TLS material: {}; the previous certificates stay in force", e.getMessage());
        reporter.refused("TLS Secrets", e.getMessage());
        lastTlsRefusal = e.getMessage();
      }
      return false;
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

  private void awaitHashAndReport(String hash) {
    Instant deadline = Instant.now().plus(HASH_WAIT);
    try (Connection c = postgres.connect("postgres", SQL_TIMEOUT_SECONDS);
        Statement st = c.createStatement()) {
      while (true) {
        try (ResultSet rs = st.executeQuery("SELECT current_setting('cnpg.config_sha256', true)")) {
          rs.next();
          if (sameText(hash, rs.getString(1))) {
            break;
          }
        }
        if (Instant.now().isAfter(deadline)) {
          log.error(
              "postgres did not load configuration {} within {} s; see its log for the reason",
              hash,
              HASH_WAIT.toSeconds());
          return;
        }
        Thread.sleep(20);
      }
      Set<String> pending = new TreeSet<>();
      try (ResultSet rs = st.executeQuery("SELECT name FROM pg_settings WHERE pending_restart")) {
        while (rs.next()) {
          pending.add(rs.getString(1));
        }
      }
      if (!pending.equals(pendingRestart)) {
        reporter.pendingRestart(Set.copyOf(pending));
      }
      pendingRestart = Set.copyOf(pending);
      try (ResultSet rs =
          st.executeQuery(
              "SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL")) {
        while (rs.next()) {
          log.error(
              "pg_hba.conf line {} was refused by postgres: {}", rs.getInt(1), rs.getString(2));
        }
      }
      log.info("configuration {} loaded", hash);
      reporter.reloaded(hash);
      if (!pending.isEmpty()) {
        log.warn("restart required to apply: {} (pendingRestart)", pending);
      }
    } catch (SQLException e) {
      log.error("while checking the reloaded configuration: {}", e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /**
   * What waits for a restart after a (re)start: usually nothing, which clears what an earlier
   * process reported.
   */
  private void reportPendingRestart() throws SQLException {
    Set<String> pending = new TreeSet<>();
    try (Connection c = postgres.connect("postgres", SQL_TIMEOUT_SECONDS);
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT name FROM pg_settings WHERE pending_restart")) {
      while (rs.next()) {
        pending.add(rs.getString(1));
      }
    }
    pendingRestart = Set.copyOf(pending);
    reporter.pendingRestart(pendingRestart);
  }

  /**
   * The owner's password from its Secret; the superuser's from its Secret when {@code
   * enableSuperuserAccess}, else none (NULL: no password login for postgres). Applied only when
   * different from what was last applied, and mirrored in {@code .pgpass} files.
   */
  private void applyPasswords(Cluster cluster) throws SQLException, IOException {
    Credentials owner = ownerCredentials();
    Optional<Credentials> superuser =
        cluster.spec().enableSuperuserAccess()
            ? source.credentials(SecretNames.of(cluster).superuser())
            : Optional.empty();
    boolean superuserSecretMissing = cluster.spec().enableSuperuserAccess() && superuser.isEmpty();
    if (superuserSecretMissing && !reportedMissingSuperuser) {
      reporter.refused(
          "spec.enableSuperuserAccess",
          "Secret " + SecretNames.of(cluster).superuser() + " has no username and password");
      log.error(
          "enableSuperuserAccess is true but Secret {} has no username and password; postgres"
              + " keeps no password until it has both",
          SecretNames.of(cluster).superuser());
    }
    reportedMissingSuperuser = superuserSecretMissing;
    Map<String, Optional<Credentials>> wanted = new LinkedHashMap<>();
    wanted.put(owner.username(), Optional.of(owner));
    wanted.put(SUPERUSER, superuser);
    // Most calls are periodic resyncs with nothing new: connect only when a password changed.
    boolean changed =
        wanted.entrySet().stream()
            .anyMatch(e -> !sameText(digest(e.getValue()), appliedPasswords.get(e.getKey())));
    if (changed) {
      try (Connection c = postgres.connect("postgres", SQL_TIMEOUT_SECONDS)) {
        for (Map.Entry<String, Optional<Credentials>> e : wanted.entrySet()) {
          applyPassword(c, e.getKey(), e.getValue());
        }
      }
    }
    PgPass.install(
        pgpassFile(owner.username()), PgPass.line(port, owner.username(), owner.password()));
    Path superPass = pgpassFile(SUPERUSER);
    if (superuser.isPresent()) {
      PgPass.install(superPass, PgPass.line(port, SUPERUSER, superuser.get().password()));
    } else {
      Files.deleteIfExists(superPass);
    }
  }

  private void applyPassword(Connection c, String role, Optional<Credentials> creds)
      throws SQLException {
    String digest = digest(creds);
    if (sameText(digest, appliedPasswords.get(role))) {
      return;
    }
    if (creds.isPresent()) {
      Roles.setPassword(c, role, creds.get().password());
    } else {
      Roles.clearPassword(c, role);
    }
    appliedPasswords.put(role, digest);
    log.info("password of role {} {}", role, creds.isPresent() ? "applied" : "removed");
  }

  private Credentials ownerCredentials() throws IOException {
    return source.ownerCredentials(
        SecretNames.of(lastGood).app(), lastGood.spec().bootstrap().initdb().owner());
  }

  /** {@code <controller>/run/<role>.pgpass}: beside the socket, in the 0700 directory. */
  Path pgpassFile(String role) {
    return controller.run().resolve(role + ".pgpass");
  }

  /** Compares in constant time: one side may derive from a password. */
  private static boolean sameText(String a, String b) {
    return b != null
        && MessageDigest.isEqual(
            a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8));
  }

  private static String digest(Optional<Credentials> creds) {
    return creds.map(cr -> digest(cr.password())).orElse(NO_PASSWORD);
  }

  private static String digest(char[] password) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      return HexFormat.of()
          .formatHex(md.digest(new String(password).getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }
}
