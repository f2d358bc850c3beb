package io.pgwarden.sql;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the wiring asks postgres about itself: the configuration it loaded, what waits for a
 * restart, its role and timeline, and a CHECKPOINT before a stop. Every call opens its own
 * connection over the Unix socket and closes it.
 */
public final class ServerState {
  private static final Logger log = LoggerFactory.getLogger(ServerState.class);
  private static final int SQL_TIMEOUT_SECONDS = 30;
  private static final Duration POLL = Duration.ofMillis(20);

  /**
   * What postgres runs now.
   *
   * @param hash its {@code cnpg.config_sha256}, empty when unset
   * @param pendingRestart the parameters whose new value waits for a restart
   * @param primary not in recovery
   * @param timeline the timeline of its last checkpoint
   */
  public record Loaded(String hash, Set<String> pendingRestart, boolean primary, long timeline) {
    public Loaded {
      pendingRestart = Set.copyOf(pendingRestart);
    }
  }

  private final Postgres postgres;

  public ServerState(Postgres postgres) {
    this.postgres = postgres;
  }

  /** What postgres runs now, from one new connection. */
  public Loaded loaded() throws SQLException {
    try (Connection c = postgres.connect("postgres", SQL_TIMEOUT_SECONDS);
        Statement st = c.createStatement()) {
      return loaded(st);
    }
  }

  /**
   * Waits until postgres reports {@code hash} as loaded, then says what it runs and logs it, with
   * the parameters waiting for a restart and the pg_hba.conf lines postgres refused. Each poll is a
   * new connection: a new backend is forked by the postmaster only after it finished processing the
   * reload (configuration files, pg_hba, pg_ident, the TLS files), so a new backend that reports
   * the hash proves all of it was read; an old backend could report the new hash before the
   * postmaster re-read the certificates.
   *
   * @return empty when postgres did not report {@code hash} within {@code wait} (logged)
   */
  public Optional<Loaded> awaitLoaded(String hash, Duration wait)
      throws SQLException, InterruptedException {
    Instant deadline = Instant.now().plus(wait);
    while (true) {
      try (Connection c = postgres.connect("postgres", SQL_TIMEOUT_SECONDS);
          Statement st = c.createStatement()) {
        Loaded loaded = loaded(st);
        if (MessageDigest.isEqual(
            hash.getBytes(StandardCharsets.UTF_8),
            loaded.hash().getBytes(StandardCharsets.UTF_8))) {
          logRefusedHbaLines(st);
          log.info("configuration {} loaded", hash);
          if (!loaded.pendingRestart().isEmpty()) {
            log.warn("restart required to apply: {} (pendingRestart)", loaded.pendingRestart());
          }
          return Optional.of(loaded);
        }
      }
      if (Instant.now().isAfter(deadline)) {
        log.error(
            "postgres did not load configuration {} within {} s; see its log for the reason",
            hash,
            wait.toSeconds());
        return Optional.empty();
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /**
   * The lines of pg_hba.conf and pg_ident.conf on disk that postgres's own parsers refuse (each
   * query reads the file anew), e.g. {@code pg_hba.conf line 99: invalid authentication method};
   * empty when it accepts both.
   */
  public List<String> fileErrors() throws SQLException {
    List<String> errors = new ArrayList<>();
    try (Connection c = postgres.connect("postgres", SQL_TIMEOUT_SECONDS);
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT 'pg_hba.conf', line_number, error FROM pg_hba_file_rules"
                    + " WHERE error IS NOT NULL UNION ALL"
                    + " SELECT 'pg_ident.conf', line_number, error FROM pg_ident_file_mappings"
                    + " WHERE error IS NOT NULL")) {
      while (rs.next()) {
        errors.add(rs.getString(1) + " line " + rs.getInt(2) + ": " + rs.getString(3));
      }
    }
    return errors;
  }

  /** A CHECKPOINT, so that a following stop has little to write. */
  public void checkpoint(Duration budget) throws SQLException {
    int seconds = (int) Math.max(1, Math.min(budget.toSeconds(), Integer.MAX_VALUE));
    try (Connection c = postgres.connect("postgres", seconds);
        Statement st = c.createStatement()) {
      st.execute("CHECKPOINT");
    }
  }

  private static Loaded loaded(Statement st) throws SQLException {
    String hash;
    boolean primary;
    long timeline;
    try (ResultSet rs =
        st.executeQuery(
            "SELECT coalesce(current_setting('cnpg.config_sha256', true), ''),"
                + " NOT pg_is_in_recovery(), (SELECT timeline_id FROM pg_control_checkpoint())")) {
      rs.next();
      hash = rs.getString(1);
      primary = rs.getBoolean(2);
      timeline = rs.getLong(3);
    }
    Set<String> pending = new TreeSet<>();
    try (ResultSet rs = st.executeQuery("SELECT name FROM pg_settings WHERE pending_restart")) {
      while (rs.next()) {
        pending.add(rs.getString(1));
      }
    }
    return new Loaded(hash, pending, primary, timeline);
  }

  private static void logRefusedHbaLines(Statement st) throws SQLException {
    try (ResultSet rs =
        st.executeQuery(
            "SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL")) {
      while (rs.next()) {
        log.error("pg_hba.conf line {} was refused by postgres: {}", rs.getInt(1), rs.getString(2));
      }
    }
  }
}
