package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pgwarden.supervisor.Libc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile or careless input set live never installs what postgres would reject and never opens
 * access: each change is refused by name, every file stays as it was last good (checked in SQL and
 * on disk), and the instance restarts cleanly afterwards. And one data directory has one manager.
 */
class FailClosedIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String GOOD =
      """
      spec:
        postgresql:
          parameters:
            work_mem: 8MB
          pg_hba:
            - hostssl all mallory all reject
      """;

  @TempDir Path dir;

  @Test
  void refusedChangesLeaveTheLastGoodConfigurationAndARestartStartsOnIt() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(spec, GOOD);
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      pg.awaitReady();
      String custom = Files.readString(pg.data.resolve("custom.conf"));
      String hba = Files.readString(pg.data.resolve("pg_hba.conf"));

      // Values only postgres's parser knows to be wrong.
      refuse(pg, spec, GOOD.replace("work_mem: 8MB", "work_mem: lots"), "work_mem");
      refuse(
          pg,
          spec,
          GOOD.replace("reject", "reject\n      - hostssl all all all frobnicate"),
          "frobnicate");
      // A reject rule that would be dropped: the refusal must not open access.
      refuse(pg, spec, GOOD.replace("all reject", "all \"reject\\r\""), "pg_hba");
      // Code execution and durability.
      refuse(
          pg,
          spec,
          GOOD.replace(
              "work_mem: 8MB", "work_mem: 8MB\n      session_preload_libraries: /tmp/evil.so"),
          "session_preload_libraries");
      refuse(
          pg, spec, GOOD.replace("work_mem: 8MB", "work_mem: 16MB\n      fsync: \"off\""), "fsync");

      assertThat(pg.query("SHOW work_mem")).isEqualTo("8MB");
      assertThat(pg.query("SHOW session_preload_libraries")).isEmpty();
      assertThat(pg.query("SHOW fsync")).isEqualTo("on");
      assertThat(pg.query("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL"))
          .isEqualTo("0");
      assertThat(
              pg.query(
                  "SELECT count(*) FROM pg_hba_file_rules"
                      + " WHERE auth_method = 'reject' AND 'mallory' = ANY(user_name)"))
          .isEqualTo("1");
      assertThat(Files.readString(pg.data.resolve("custom.conf"))).isEqualTo(custom);
      assertThat(Files.readString(pg.data.resolve("pg_hba.conf"))).isEqualTo(hba);
    }
    // A start on the refused spec is refused by name (exit 2) and leaves the files as they were.
    String custom = Files.readString(dir.resolve("pgdata/custom.conf"));
    Pgwarden refused = new Pgwarden(dir, "--spec", spec.toString()).start();
    assertThat(refused.awaitExit(WAIT)).isEqualTo(2);
    assertThat(refused.logs().stream().filter(n -> "error".equals(n.path("level").asText())))
        .anyMatch(n -> n.path("msg").asText().contains("fsync"));
    assertThat(Files.readString(dir.resolve("pgdata/custom.conf"))).isEqualTo(custom);
    // Fixed, it starts cleanly on the same data.
    Files.writeString(spec, GOOD);
    try (Pgwarden again = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      again.awaitReady();
      assertThat(again.query("SHOW work_mem")).isEqualTo("8MB");
      assertThat(again.query("SHOW fsync")).isEqualTo("on");
    }
  }

  @Test
  void aSecondPgwardenOnTheSameDataDirectoryIsRefusedByName() throws Exception {
    try (Pgwarden first = new Pgwarden(dir).start()) {
      first.awaitReady();
      String hba = Files.readString(first.data.resolve("pg_hba.conf"));
      Path other = Files.createDirectories(dir.resolve("other"));
      // Not closed: closing stops the postgres of its data directory, which is the first's.
      Pgwarden second =
          new Pgwarden(dir, "--controller-dir", other.resolve("controller").toString()).start();
      assertThat(second.awaitExit(WAIT)).isEqualTo(2);
      JsonNode error = second.awaitLog(n -> "error".equals(n.path("level").asText()), WAIT);
      assertThat(error.path("msg").asText()).contains("--data").contains("in use");
      assertThat(Files.readString(first.data.resolve("pg_hba.conf"))).isEqualTo(hba);
      assertThat(first.query("SELECT 1")).isEqualTo("1");
    }
  }

  @Test
  void aPostgresLeftByAKilledPgwardenIsNotFoughtByTheNextOne() throws Exception {
    // Not closed: closing would stop the postgres it leaves, which is the point of the test.
    Pgwarden first = new Pgwarden(dir).start();
    first.awaitReady();
    long postmaster = first.postmasterPid();
    first.signal(Libc.SIGKILL);
    first.awaitExit(WAIT);
    try (Pgwarden next = new Pgwarden(dir).start()) {
      next.awaitReady();
      assertThat(next.query("SELECT 1")).isEqualTo("1");
      assertThat(next.postmasterPid()).isNotEqualTo(postmaster);
      assertThat(ProcessHandle.of(postmaster).map(ProcessHandle::isAlive))
          .isNotEqualTo(java.util.Optional.of(true));
    }
  }

  @Test
  void noVerifierOrPasswordReachesTheLogWithEveryLoggingKnobAtItsMostVerbose() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(
        spec,
        """
        spec:
          postgresql:
            parameters:
              log_statement: all
              log_min_duration_statement: "0"
              log_min_duration_sample: "0"
              log_statement_sample_rate: "1"
              log_transaction_sample_rate: "1"
              log_min_error_statement: debug5
              log_duration: "on"
              debug_print_parse: "on"
              debug_print_rewritten: "on"
              debug_print_plan: "on"
              session_preload_libraries: auto_explain
              auto_explain.log_min_duration: "0"
        """);
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      pg.awaitReady();
      assertThat(pg.query("SHOW log_transaction_sample_rate")).isEqualTo("1");
      String initial = Files.readString(pg.secrets.resolve("pgwarden-app/password"));
      String rotated = "rotated-" + Long.toHexString(System.nanoTime()) + "-Secret";
      int mark = pg.mark();
      Files.writeString(pg.secrets.resolve("pgwarden-app/password"), rotated);
      pg.awaitMessage(mark, "password of role app applied", WAIT);
      pg.awaitLogsCaughtUp();
      // The statements around the rotation were logged: the knobs are in force.
      assertThat(pg.tail(100000)).contains("log_transaction_sample_rate");
      assertThat(pg.tail(100000))
          .doesNotContain("SCRAM-SHA-256$")
          .doesNotContain(rotated)
          .doesNotContain(initial.strip());
    }
  }

  /** Sets {@code text} as the spec and waits for a refusal that mentions {@code what}. */
  private static void refuse(Pgwarden pg, Path spec, String text, String what) throws Exception {
    int mark = pg.mark();
    Files.writeString(spec, text);
    pg.awaitLog(
        mark,
        n ->
            "error".equals(n.path("level").asText())
                && n.path("msg").asText().startsWith("refused ")
                && n.path("msg").asText().contains(what),
        WAIT);
  }
}
