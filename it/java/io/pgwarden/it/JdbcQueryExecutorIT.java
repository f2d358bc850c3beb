package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.metrics.queries.JdbcQueryExecutor;
import io.pgwarden.metrics.queries.QueryExecutor;
import io.pgwarden.sql.Postgres;
import io.pgwarden.sql.Roles;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The metrics queries' executor against a real postgres: statements sent together in one round trip
 * answer as each does alone, and one that fails or times out fails alone.
 */
class JdbcQueryExecutorIT {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  @TempDir static Path dir;
  private static Pgwarden pg;
  private static JdbcQueryExecutor executor;

  @BeforeAll
  static void start() throws Exception {
    pg = new Pgwarden(dir).start();
    pg.awaitReady();
    Postgres postgres = new Postgres(pg.controller.resolve("run").resolve(".s.PGSQL." + pg.pgPort));
    executor =
        new JdbcQueryExecutor(
            database -> postgres.connectAs(Roles.METRICS_ROLE, database, 30),
            Duration.ofMinutes(5));
  }

  @AfterAll
  static void stop() throws Exception {
    if (executor != null) {
      executor.close();
    }
    if (pg != null) {
      pg.close();
    }
  }

  private static List<QueryExecutor.Result> together(Duration timeout, String... sqls) {
    List<QueryExecutor.Result> results = executor.queryAll("postgres", 0, List.of(sqls), timeout);
    executor.finish("postgres", 0);
    return results;
  }

  private static List<Map<String, Object>> alone(String sql) throws SQLException {
    try {
      return executor.query("postgres", 1, sql, TIMEOUT).rows();
    } finally {
      executor.finish("postgres", 1);
    }
  }

  private static List<Map<String, Object>> rows(QueryExecutor.Result r) {
    assertThat(r.error()).as("error").isNull();
    return r.rows().rows();
  }

  @Test
  void togetherTheyAnswerAsEachDoesAloneRunAfterRun() throws Exception {
    String[] sqls = {
      "SELECT 1 AS a, 2.5::float8 AS f, 7::bigint AS b, true AS t",
      "SELECT n, 'x' || n AS s FROM generate_series(1, 3) AS n",
      "SELECT ARRAY[1, 2] AS arr, ARRAY['a', 'b'] AS texts, interval '1 minute' AS i",
      "SELECT NULL::int AS z, now() - now() AS zero",
      "SELECT 1 AS a WHERE false",
      "SELECT 'it''s; a ? mark' AS q -- and a comment",
      "SELECT 5 AS trailing;"
    };
    List<List<Map<String, Object>>> expected = new ArrayList<>();
    for (String sql : sqls) {
      expected.add(alone(sql));
    }
    // past pgjdbc's prepare threshold: named statements, and binary results for some types
    for (int run = 0; run < 8; run++) {
      List<QueryExecutor.Result> results = together(TIMEOUT, sqls);
      assertThat(results).hasSize(sqls.length);
      for (int i = 0; i < sqls.length; i++) {
        assertThat(rows(results.get(i))).as("run %d: %s", run, sqls[i]).isEqualTo(expected.get(i));
      }
    }
    assertThat(expected.get(1)).hasSize(3);
    assertThat(expected.get(4)).isEmpty();
  }

  @Test
  void aFailingStatementFailsAloneAndTheOthersAnswer() {
    List<QueryExecutor.Result> results =
        together(
            TIMEOUT,
            "SELECT 1 AS a",
            "SELECT * FROM no_such_table",
            "SELECT 2 AS b",
            "SELECT 1 / 0 AS c",
            "SELECT 3 AS d");
    assertThat(rows(results.get(0))).containsExactly(Map.of("a", 1));
    assertThat(results.get(1).error()).hasMessageContaining("no_such_table");
    assertThat(rows(results.get(2))).containsExactly(Map.of("b", 2));
    assertThat(results.get(3).error()).hasMessageContaining("division by zero");
    assertThat(rows(results.get(4))).containsExactly(Map.of("d", 3));
  }

  @Test
  void aStatementPastItsTimeoutFailsAloneAndTheOthersAnswerPromptly() {
    long start = System.nanoTime();
    List<QueryExecutor.Result> results =
        together(
            Duration.ofMillis(300),
            "SELECT 1 AS a",
            "SELECT pg_sleep(10) IS NULL AS slept",
            "SELECT 2 AS b");
    Duration took = Duration.ofNanos(System.nanoTime() - start);
    assertThat(took).isLessThan(Duration.ofSeconds(5));
    assertThat(rows(results.get(0))).containsExactly(Map.of("a", 1));
    assertThat(results.get(1).error()).hasMessageContaining("statement timeout");
    assertThat(rows(results.get(2))).containsExactly(Map.of("b", 2));
  }

  @Test
  void nothingAStatementChangesReachesTheNextAndTheTransactionIsReadOnly() {
    List<QueryExecutor.Result> results =
        together(
            TIMEOUT,
            "SELECT set_config('search_path', 'public', true) AS s",
            "SELECT current_setting('search_path') AS p",
            "SET LOCAL work_mem = '7MB'",
            "SELECT current_setting('work_mem') AS w, current_setting('transaction_read_only') AS ro",
            "CREATE TEMP TABLE t (x int)",
            "SELECT 4 AS after");
    assertThat(rows(results.get(1))).containsExactly(Map.of("p", "pg_catalog, public, pg_temp"));
    assertThat(results.get(2).error()).hasMessageContaining("No results");
    assertThat(rows(results.get(3))).containsExactly(Map.of("w", "4MB", "ro", "on"));
    assertThat(results.get(4).error()).hasMessageContaining("read-only transaction");
    assertThat(rows(results.get(5))).containsExactly(Map.of("after", 4));
  }

  @Test
  void aloneOrTogetherAStatementRunsReadOnlyWithThePinnedSearchPathAndItsTimeout()
      throws Exception {
    String settings =
        "SELECT current_setting('transaction_read_only') AS ro,"
            + " current_setting('search_path') AS p, current_setting('statement_timeout') AS t";
    Map<String, Object> expected =
        Map.of("ro", "on", "p", "pg_catalog, public, pg_temp", "t", "5s");
    assertThat(alone(settings)).containsExactly(expected);
    assertThat(rows(together(TIMEOUT, settings, "SELECT 1 AS a").get(0))).containsExactly(expected);
    assertThat(rows(together(Duration.ofMillis(1500), "SELECT 1 AS a", settings).get(1)))
        .containsExactly(Map.of("ro", "on", "p", "pg_catalog, public, pg_temp", "t", "1500ms"));
  }

  @Test
  void textsThatCannotGoTogetherRunAloneWithTheirOwnAnswers() throws Exception {
    List<QueryExecutor.Result> results =
        together(
            TIMEOUT,
            "SELECT 1 AS a",
            "SELECT 1 AS one; SELECT 2 AS two",
            "SELECT 'unterminated AS u",
            "SELECT 5 AS e");
    assertThat(rows(results.get(0))).containsExactly(Map.of("a", 1));
    assertThat(results.get(1).error()).hasMessageContaining("Multiple ResultSets");
    assertThat(results.get(2).error()).isNotNull();
    assertThat(rows(results.get(3))).containsExactly(Map.of("e", 5));
  }

  @Test
  void aBatchLeavesItsConnectionIdleOutsideATransaction() throws Exception {
    // no finish(): the text's own final rollback must end the transaction
    executor.queryAll("postgres", 2, List.of("SELECT 1 AS a", "SELECT 2 AS b"), TIMEOUT);
    String states =
        pg.query(
            "SELECT string_agg(state, ',') FROM pg_stat_activity"
                + " WHERE usename = '"
                + Roles.METRICS_ROLE
                + "' AND pid <> pg_backend_pid()");
    assertThat(states).isNotNull().doesNotContain("transaction");
  }
}
