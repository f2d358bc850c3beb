package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgwarden.supervisor.Libc;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** pgwarden standalone, run as a process, with a real PostgreSQL 15 it starts itself. */
class StandaloneIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void bootstrapsAnEmptyDirectoryStopsCleanlyOnSigtermAndReusesItOnTheNextStart() throws Exception {
    String systemId;
    String password;
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      assertThat(pg.hasMessage("bootstrapping a new cluster with initdb")).isTrue();
      systemId = pg.query("SELECT system_identifier FROM pg_control_system()");
      password = Files.readString(pg.secrets.resolve("pgwarden-app/password"));
      assertThat(password).hasSize(32);
      assertThat(pg.query("SELECT datdba::regrole::text FROM pg_database WHERE datname = 'app'"))
          .isEqualTo("app");
      assertThat(pg.query("SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'postgres'"))
          .isEqualTo("t");
      assertThat(pg.query("SELECT current_setting('data_checksums')")).isEqualTo("on");
      assertThat(pg.query("SELECT pg_has_role('cnpg_metrics_exporter', 'pg_monitor', 'MEMBER')"))
          .isEqualTo("t");
      try (Connection metrics =
              new io.pgwarden.sql.Postgres(pg.controller.resolve("run/.s.PGSQL." + pg.pgPort))
                  .connectAs("cnpg_metrics_exporter", "app", 10);
          Statement st = metrics.createStatement();
          var rs = st.executeQuery("SELECT current_user")) {
        rs.next();
        assertThat(rs.getString(1))
            .as("peer authentication maps to the metrics role")
            .isEqualTo("cnpg_metrics_exporter");
      }
      try (Connection c = pg.connect("app");
          Statement st = c.createStatement()) {
        st.execute("CREATE TABLE kept (id int)");
        st.execute("INSERT INTO kept VALUES (42)");
      }

      pg.signal(Libc.SIGTERM);
      assertThat(pg.awaitExit(WAIT)).isZero();
      assertThat(pg.controlData()).containsPattern("Database cluster state:\\s+shut down\\n");
      assertThat(pg.hasMessage("smart shutdown")).isTrue();
    }

    try (Pgwarden again = new Pgwarden(dir).start()) {
      again.awaitReady();
      assertThat(again.hasMessage("bootstrapping")).isFalse();
      assertThat(again.hasMessage("generated TLS material")).isFalse();
      assertThat(again.query("SELECT system_identifier FROM pg_control_system()"))
          .isEqualTo(systemId);
      assertThat(Files.readString(again.secrets.resolve("pgwarden-app/password")))
          .isEqualTo(password);
      try (Connection c = again.connect("app");
          Statement st = c.createStatement();
          var rs = st.executeQuery("SELECT id FROM kept")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(42);
      }
    }
  }

  @Test
  void restartsPostgresAfterKillNineAndCommittedRowsSurvive() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      try (Connection c = pg.connect("app");
          Statement st = c.createStatement()) {
        st.execute("CREATE TABLE t (id int)");
        st.execute("INSERT INTO t SELECT generate_series(1, 1000)");
      }
      long first = pg.postmasterPid();

      Libc.kill(first, Libc.SIGKILL);

      pg.awaitMessage("postgres exited unexpectedly with code", WAIT);
      pg.awaitLog(
          n ->
              n.path("msg").asText().startsWith("postgres started with pid")
                  && !n.path("msg").asText().endsWith(" " + first),
          WAIT);
      awaitQuery(pg, "SELECT count(*) FROM pg_stat_activity");
      assertThat(pg.postmasterPid()).isNotEqualTo(first);
      assertThat(pg.isAlive()).isTrue();
      try (Connection c = pg.connect("app");
          Statement st = c.createStatement();
          var rs = st.executeQuery("SELECT count(*) FROM t")) {
        rs.next();
        assertThat(rs.getInt(1)).isEqualTo(1000);
      }
    }
  }

  @Test
  void aMultiLineStatementErrorIsOneJsonRecord() throws Exception {
    String query = "SELECT 1,\n       no_such_column\n  FROM pg_class\n WHERE 'a\nb' <> ''";
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      try (Connection c = pg.connect("postgres");
          Statement st = c.createStatement()) {
        st.execute(query);
      } catch (SQLException expected) {
        assertThat(expected.getSQLState()).isEqualTo("42703");
      }
      JsonNode record =
          pg.awaitLog(
                  n ->
                      "postgres".equals(n.path("logger").asText())
                          && "ERROR".equals(n.path("record").path("error_severity").asText())
                          && n.path("record").path("query").asText().contains("no_such_column"),
                  WAIT)
              .path("record");
      assertThat(record.path("message").asText())
          .isEqualTo("column \"no_such_column\" does not exist");
      assertThat(record.path("query").asText()).isEqualTo(query);
      assertThat(record.path("sql_state_code").asText()).isEqualTo("42703");
      assertThat(record.path("user_name").asText()).isEqualTo("postgres");
      assertThat(record.has("detail")).as("empty fields are left out").isFalse();
    }
  }

  @Test
  void aTwoMebibyteMessageArrivesWhole() throws Exception {
    int size = 2 * 1024 * 1024;
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      try (Connection c = pg.connect("postgres");
          Statement st = c.createStatement()) {
        st.execute("DO $$ BEGIN RAISE LOG 'big:%:end', repeat('x', " + size + "); END $$");
      }
      JsonNode record =
          pg.awaitLog(n -> n.path("record").path("message").asText().startsWith("big:"), WAIT)
              .path("record");
      String message = record.path("message").asText();
      assertThat(message).hasSize(size + "big:".length() + ":end".length()).endsWith("x:end");
      assertThat(message.getBytes(StandardCharsets.UTF_8).length).isGreaterThan(size);
    }
  }

  @Test
  void reapsAnOrphanedZombie() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      Path pidFile = dir.resolve("orphan.pid");
      // The backend's shell starts sleep in the background and exits: sleep is orphaned and, as
      // pgwarden is a child subreaper, re-parented to it; when it exits only pgwarden can reap it.
      try (Connection c = pg.connect("postgres");
          Statement st = c.createStatement()) {
        st.execute(
            "COPY (SELECT 1) TO PROGRAM 'cat >/dev/null; sleep 2 </dev/null >/dev/null 2>&1 & echo $! > "
                + pidFile
                + "'");
      }
      long orphan = Long.parseLong(Files.readString(pidFile).trim());
      Path stat = Path.of("/proc", Long.toString(orphan), "stat");
      assertThat(parentOf(stat)).isEqualTo(pg.pid());
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (Files.exists(stat) && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(stat).as("the orphan was reaped, not left a zombie").doesNotExist();
      assertThat(pg.isAlive()).isTrue();
    }
  }

  private static long parentOf(Path stat) throws Exception {
    String s = Files.readString(stat);
    String[] rest = s.substring(s.lastIndexOf(")") + 2).split(" ", 3);
    return Long.parseLong(rest[1]);
  }

  private static void awaitQuery(Pgwarden pg, String sql) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        pg.query(sql);
        return;
      } catch (SQLException e) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError(
              "postgres did not come back: " + e.getMessage() + "\n" + pg.tail(30), e);
        }
        Thread.sleep(100);
      }
    }
  }
}
