package io.pgwarden.reconcile;

import io.pgwarden.core.Reporter;
import io.pgwarden.pgdata.PgPass;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.source.Credentials;
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.SecretNames;
import io.pgwarden.sql.Postgres;
import io.pgwarden.sql.Roles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The passwords of the owner and of {@code postgres} in line with their Secrets: the owner's from
 * its Secret; the superuser's from its Secret when {@code enableSuperuserAccess}, else none (NULL:
 * no password login for postgres). A password is applied only when it differs from what was last
 * applied, and mirrored in {@code .pgpass} files. Runs on one thread only.
 */
public final class Passwords {
  private static final Logger log = LoggerFactory.getLogger(Passwords.class);
  private static final int SQL_TIMEOUT_SECONDS = 30;
  private static final String SUPERUSER = "postgres";
  private static final String NO_PASSWORD = "<none>";

  private final Source source;
  private final Postgres postgres;
  private final ControllerLayout controller;
  private final int port;
  private final Reporter reporter;
  private final Map<String, String> applied = new HashMap<>();
  private boolean reportedMissingSuperuser;

  public Passwords(
      Source source, Postgres postgres, ControllerLayout controller, int port, Reporter reporter) {
    this.source = source;
    this.postgres = postgres;
    this.controller = controller;
    this.port = port;
    this.reporter = reporter;
  }

  /** The owner's credentials from its Secret (standalone: generated when missing). */
  public Credentials owner(Cluster cluster) throws IOException {
    return source.ownerCredentials(
        SecretNames.of(cluster).app(), cluster.spec().bootstrap().initdb().owner());
  }

  /**
   * After a (re)start: the owner, its database and the metrics role exist, and every password is
   * applied again.
   */
  public void ensureRoles(Cluster cluster) throws SQLException, IOException {
    String database = cluster.spec().bootstrap().initdb().database();
    String owner = owner(cluster).username();
    try (Connection c = postgres.connect("postgres", SQL_TIMEOUT_SECONDS)) {
      Roles.ensureOwnerAndDatabase(c, owner, database);
      Roles.ensureMetricsRole(c);
    }
    applied.clear();
    apply(cluster);
    log.info("roles applied: owner {} of database {}", owner, database);
  }

  /**
   * Applies what changed since the last call.
   *
   * @return the roles whose password was set or removed
   */
  public List<String> apply(Cluster cluster) throws SQLException, IOException {
    Credentials owner = owner(cluster);
    Optional<Credentials> superuser = superuser(cluster);
    Map<String, Optional<Credentials>> wanted = new LinkedHashMap<>();
    wanted.put(owner.username(), Optional.of(owner));
    wanted.put(SUPERUSER, superuser);
    List<String> changed = new ArrayList<>();
    // Most calls are periodic resyncs with nothing new: connect only when a password changed.
    if (wanted.entrySet().stream()
        .anyMatch(e -> !sameText(digest(e.getValue()), applied.get(e.getKey())))) {
      try (Connection c = postgres.connect("postgres", SQL_TIMEOUT_SECONDS)) {
        for (Map.Entry<String, Optional<Credentials>> e : wanted.entrySet()) {
          if (applyPassword(c, e.getKey(), e.getValue())) {
            changed.add(e.getKey());
          }
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
    return changed;
  }

  private Optional<Credentials> superuser(Cluster cluster) throws IOException {
    if (!cluster.spec().enableSuperuserAccess()) {
      reportedMissingSuperuser = false;
      return Optional.empty();
    }
    String secret = SecretNames.of(cluster).superuser();
    Optional<Credentials> superuser = source.credentials(secret);
    if (superuser.isEmpty() && !reportedMissingSuperuser) {
      reporter.refused(
          "spec.enableSuperuserAccess", "Secret " + secret + " has no username and password");
      log.error(
          "enableSuperuserAccess is true but Secret {} has no username and password; postgres"
              + " keeps no password until it has both",
          secret);
    }
    reportedMissingSuperuser = superuser.isEmpty();
    return superuser;
  }

  private boolean applyPassword(Connection c, String role, Optional<Credentials> creds)
      throws SQLException {
    String digest = digest(creds);
    if (sameText(digest, applied.get(role))) {
      return false;
    }
    if (creds.isPresent()) {
      Roles.setPassword(c, role, creds.get().password());
    } else {
      Roles.clearPassword(c, role);
    }
    applied.put(role, digest);
    log.info("password of role {} {}", role, creds.isPresent() ? "applied" : "removed");
    return true;
  }

  /** {@code <controller>/run/<role>.pgpass}: beside the socket, in the 0700 directory. */
  private Path pgpassFile(String role) {
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
