package io.pgwarden.sql;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Arrays;
import org.postgresql.PGConnection;
import org.postgresql.util.PasswordUtil;

/**
 * Roles and databases pgwarden owns: the application owner and database, passwords. Names reach
 * this class already validated as plain identifiers ({@code io.pgwarden.spec.SpecParser}); they are
 * still quoted here, by pgjdbc's {@link PGConnection#escapeIdentifier} and {@link
 * PGConnection#escapeLiteral} (which follow the connection's {@code standard_conforming_strings}
 * and refuse a NUL with an {@link SQLException}), so that a future caller cannot turn one into SQL.
 */
public final class Roles {
  private Roles() {}

  /** Creates the login role {@code owner} and the database {@code database} it owns, if missing. */
  @SuppressFBWarnings(
      value = {"SQL_INJECTION_JDBC", "SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE"},
      justification =
          "identifiers and literals are quoted by pgjdbc (ident, literal); the rest of the SQL is constant")
  public static void ensureOwnerAndDatabase(Connection c, String owner, String database)
      throws SQLException {
    if (!exists(c, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?", owner)) {
      try (Statement st = c.createStatement()) {
        st.execute("CREATE ROLE " + ident(c, owner) + " LOGIN");
      }
    }
    if (!exists(c, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = ?", database)) {
      try (Statement st = c.createStatement()) {
        // CREATE DATABASE cannot run in a transaction: the connection is in autocommit here.
        st.execute("CREATE DATABASE " + ident(c, database) + " OWNER " + ident(c, owner));
      }
    }
  }

  /**
   * The role metrics queries run as: it logs in by peer authentication only and reads pg_monitor.
   */
  public static final String METRICS_ROLE = "cnpg_metrics_exporter";

  /** Creates {@link #METRICS_ROLE} if missing, and keeps it a member of pg_monitor. */
  @SuppressFBWarnings(
      value = {"SQL_INJECTION_JDBC", "SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE"},
      justification = "a constant role name, quoted by pgjdbc (ident)")
  public static void ensureMetricsRole(Connection c) throws SQLException {
    if (!exists(c, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?", METRICS_ROLE)) {
      try (Statement st = c.createStatement()) {
        st.execute("CREATE ROLE " + ident(c, METRICS_ROLE) + " LOGIN");
      }
    }
    if (!exists(
        c,
        "SELECT 1 FROM pg_catalog.pg_auth_members m JOIN pg_catalog.pg_roles r ON r.oid = m.member"
            + " WHERE r.rolname = ? AND m.roleid = 'pg_monitor'::regrole",
        METRICS_ROLE)) {
      try (Statement st = c.createStatement()) {
        st.execute("GRANT pg_monitor TO " + ident(c, METRICS_ROLE));
      }
    }
  }

  /**
   * Sets {@code role}'s password to the SCRAM-SHA-256 verifier of {@code password}, computed here
   * so the clear text never reaches postgres, with statement logging off for the transaction so the
   * verifier reaches no log either. The caller's array is wiped.
   */
  @SuppressFBWarnings(
      value = "SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE",
      justification =
          "identifiers and literals are quoted by pgjdbc (ident, literal); the rest of the SQL is constant")
  public static void setPassword(Connection c, String role, char[] password) throws SQLException {
    try {
      String verifier = PasswordUtil.encodePassword(role, password, "scram-sha-256");
      inQuietTransaction(c, "ALTER ROLE " + ident(c, role) + " PASSWORD " + literal(c, verifier));
    } finally {
      Arrays.fill(password, '\0');
    }
  }

  /** Removes {@code role}'s password: password authentication can no longer succeed for it. */
  @SuppressFBWarnings(
      value = "SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE",
      justification =
          "identifiers and literals are quoted by pgjdbc (ident, literal); the rest of the SQL is constant")
  public static void clearPassword(Connection c, String role) throws SQLException {
    inQuietTransaction(c, "ALTER ROLE " + ident(c, role) + " PASSWORD NULL");
  }

  /** Whether {@code role} has a password set (for status and tests; the value is never read). */
  public static boolean hasPassword(Connection c, String role) throws SQLException {
    return exists(
        c,
        "SELECT 1 FROM pg_catalog.pg_authid WHERE rolname = ? AND rolpassword IS NOT NULL",
        role);
  }

  /**
   * Every path by which postgres could log a statement, set off for the session before the
   * transaction that carries a secret starts (the transaction sampling decision is taken when it
   * starts, so a {@code SET LOCAL} inside it would come too late), and reset after it. The
   * libraries' knobs are set as placeholders when the library is not loaded.
   */
  private static final String[][] QUIET = {
    {"log_statement", "'none'"},
    {"log_min_duration_statement", "-1"},
    {"log_min_duration_sample", "-1"},
    {"log_statement_sample_rate", "0"},
    {"log_transaction_sample_rate", "0"},
    {"log_min_error_statement", "'panic'"},
    {"log_duration", "off"},
    {"debug_print_parse", "off"},
    {"debug_print_rewritten", "off"},
    {"debug_print_plan", "off"},
    {"auto_explain.log_min_duration", "-1"},
    {"pgaudit.log", "'none'"}
  };

  @SuppressFBWarnings(
      value = {"SQL_INJECTION_JDBC", "SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE"},
      justification =
          "callers pass SQL built only from constants and ident/literal output; the settings are the constants of QUIET")
  private static void inQuietTransaction(Connection c, String sql) throws SQLException {
    boolean autoCommit = c.getAutoCommit();
    try (Statement st = c.createStatement()) {
      if (!autoCommit) {
        c.commit(); // the settings must be in force before the transaction starts
        c.setAutoCommit(true);
      }
      for (String[] setting : QUIET) {
        st.execute("SET " + setting[0] + " = " + setting[1]);
      }
      c.setAutoCommit(false);
      try {
        st.execute(sql);
        c.commit();
      } catch (SQLException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
        for (String[] setting : QUIET) {
          st.execute("RESET " + setting[0]);
        }
      }
    } finally {
      c.setAutoCommit(autoCommit);
    }
  }

  @SuppressFBWarnings(
      value = "SQL_INJECTION_JDBC",
      justification = "callers pass constant SQL; the value is bound as a parameter")
  private static boolean exists(Connection c, String sql, String param) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setString(1, param);
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  /** {@code name} as a quoted identifier, escaped by pgjdbc; a NUL is refused. */
  private static String ident(Connection c, String name) throws SQLException {
    return c.unwrap(PGConnection.class).escapeIdentifier(name);
  }

  /**
   * {@code value} as a quoted string literal: pgjdbc escapes the inside (quotes doubled, and
   * backslashes too should {@code standard_conforming_strings} be off), the quotes are added here.
   */
  private static String literal(Connection c, String value) throws SQLException {
    return '\'' + c.unwrap(PGConnection.class).escapeLiteral(value) + '\'';
  }
}
