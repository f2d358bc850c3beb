package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.sql.Postgres;
import io.pgwarden.sql.Roles;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Roles} against a real postgres with hostile role and database names: whatever the name,
 * the role or database created is the one named (quoting by pgjdbc round-trips it), no name turns
 * into SQL, and a NUL is refused before anything is created.
 */
class RolesIT {
  /**
   * Pieces that end or escape a quoted name or a literal, or confuse a reader. No newline: newer
   * postgres releases refuse it in role and database names whatever the quoting.
   */
  private static final String[] HOSTILE = {
    "\"", "'", "\\", " ", ";", "--", "$$", "\t", "é", "\uD83D\uDE00", "a", "Z", "0", "%", "="
  };

  @TempDir static Path dir;
  private static Pgwarden pg;
  private static Postgres postgres;

  @BeforeAll
  static void start() throws Exception {
    pg = new Pgwarden(dir).start();
    pg.awaitReady();
    postgres = new Postgres(pg.controller.resolve("run").resolve(".s.PGSQL." + pg.pgPort));
  }

  @AfterAll
  static void stop() throws Exception {
    if (pg != null) {
      pg.close();
    }
  }

  /** Names of up to 12 hostile pieces (at most 48 bytes: under NAMEDATALEN, never truncated). */
  private static List<String> hostileNames(long seed, int count) {
    Random random = new Random(seed);
    List<String> names = new ArrayList<>();
    names.add("\"; DROP ROLE postgres; --");
    names.add("o'neil\\");
    names.add("\\\"'");
    for (int i = 0; i < count; i++) {
      StringBuilder name = new StringBuilder();
      int pieces = 1 + random.nextInt(12);
      for (int p = 0; p < pieces; p++) {
        name.append(HOSTILE[random.nextInt(HOSTILE.length)]);
      }
      names.add(i + name.toString()); // a distinct prefix: no two names collide
    }
    return names;
  }

  private static boolean exists(Connection c, String sql, String... params) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < params.length; i++) {
        ps.setString(i + 1, params[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next();
      }
    }
  }

  @Test
  void hostileNamesCreateExactlyTheRoleAndDatabaseNamed() throws Exception {
    try (Connection c = postgres.connect("postgres", 30)) {
      for (String name : hostileNames(20_260_301L, 9)) {
        String database = "db " + name;

        Roles.ensureOwnerAndDatabase(c, name, database);
        Roles.ensureOwnerAndDatabase(c, name, database); // the second time finds both

        assertThat(exists(c, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?", name))
            .as("role %s", name)
            .isTrue();
        assertThat(
                exists(
                    c,
                    "SELECT 1 FROM pg_catalog.pg_database d JOIN pg_catalog.pg_roles r"
                        + " ON r.oid = d.datdba WHERE d.datname = ? AND r.rolname = ?",
                    database,
                    name))
            .as("database %s owned by %s", database, name)
            .isTrue();
      }
      // Nothing smuggled in by a name ran: postgres is still there.
      assertThat(exists(c, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = ?", "postgres"))
          .isTrue();
    }
  }

  @Test
  void aPasswordIsSetAsScramAndClearedWhateverTheRoleName() throws Exception {
    try (Connection c = postgres.connect("postgres", 30)) {
      for (String role : hostileNames(7L, 9)) {
        Roles.ensureOwnerAndDatabase(c, "pw " + role, "pwdb"); // one database: the first owns it

        Roles.setPassword(c, "pw " + role, "it's a \\ \"secret\"".toCharArray());
        assertThat(Roles.hasPassword(c, "pw " + role)).as("role %s", role).isTrue();
        try (PreparedStatement ps =
            c.prepareStatement("SELECT rolpassword FROM pg_catalog.pg_authid WHERE rolname = ?")) {
          ps.setString(1, "pw " + role);
          try (ResultSet rs = ps.executeQuery()) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getString(1)).startsWith("SCRAM-SHA-256$4096:");
          }
        }

        Roles.clearPassword(c, "pw " + role);
        assertThat(Roles.hasPassword(c, "pw " + role)).as("role %s", role).isFalse();
      }
    }
  }

  @Test
  void aNulIsRefusedAndCreatesNothing() throws Exception {
    try (Connection c = postgres.connect("postgres", 30)) {
      assertThatThrownBy(() -> Roles.ensureOwnerAndDatabase(c, "nul\0role", "nuldb"))
          .isInstanceOf(SQLException.class);
      assertThatThrownBy(() -> Roles.setPassword(c, "postgres\0", "x".toCharArray()))
          .isInstanceOf(SQLException.class);
      assertThatThrownBy(() -> Roles.clearPassword(c, "\0postgres"))
          .isInstanceOf(SQLException.class);

      assertThat(exists(c, "SELECT 1 FROM pg_catalog.pg_roles WHERE rolname LIKE 'nul%'"))
          .isFalse();
      assertThat(exists(c, "SELECT 1 FROM pg_catalog.pg_database WHERE datname = ?", "nuldb"))
          .isFalse();
      // The connection is still usable after the refusals.
      assertThat(exists(c, "SELECT 1")).isTrue();
    }
  }
}
