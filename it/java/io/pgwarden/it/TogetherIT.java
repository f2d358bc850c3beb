package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.sql.Postgres;
import io.pgwarden.sql.Together;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins the pgjdbc behaviour {@link Together} relies on, against a real postgres: pgjdbc's internal
 * API ({@code org.postgresql.core}) carries no compatibility promise, so a pgjdbc upgrade that
 * changes how a text splits, which statement a result or an error is handed over for, or the
 * transaction state it reports fails here first, before the metrics path notices.
 */
class TogetherIT {
  @TempDir static Path dir;
  private static Pgwarden pg;
  private static Postgres postgres;

  private Connection connection;
  private Statement results;

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

  @BeforeEach
  void open() throws SQLException {
    connection = postgres.connect("postgres", 30);
    connection.setAutoCommit(false);
    results = connection.createStatement();
  }

  @AfterEach
  void close() throws SQLException {
    connection.close();
  }

  private int statements(String sql) throws SQLException {
    return Together.statements(connection, sql);
  }

  private Together.Outcome run(String sql) throws SQLException {
    try (Together.Text text = Together.parse(connection, sql)) {
      return Together.run(connection, text);
    }
  }

  private String firstValue(Together.Outcome outcome, int statement) throws SQLException {
    try (ResultSet rs = outcome.rows(results, statement)) {
      assertThat(rs.next()).as("statement %d has a row", statement).isTrue();
      return rs.getString(1);
    }
  }

  @Test
  void aTextSplitsAtTheSemicolonsOutsideQuotesAndComments() throws SQLException {
    assertThat(statements("SELECT 1")).isEqualTo(1);
    assertThat(statements("SELECT 1;")).isEqualTo(1);
    assertThat(statements("SELECT 1; SELECT 2")).isEqualTo(2);
    assertThat(statements("SELECT 1\n;ROLLBACK TO SAVEPOINT s;\nSELECT 2\n;ROLLBACK")).isEqualTo(4);
    assertThat(statements("SELECT ';' AS a -- ; not a statement")).isEqualTo(1);
    assertThat(statements("SELECT $$;$$ AS a /* ; */")).isEqualTo(1);
    assertThat(statements("SELECT '?' AS no_parameter")).isEqualTo(1);
    assertThat(statements("")).isZero();
    // An unterminated quote is refused by pgjdbc's parser; JdbcQueryExecutor then runs the parts
    // of such a combined text alone (it catches the refusal, or sees fewer statements than parts).
    assertThatThrownBy(() -> statements("SELECT 'open; SELECT 2"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("Unterminated string literal");
    assertThat(splitsApart("SELECT 1 /* open; SELECT 2", 2)).isTrue();
  }

  /** Whether {@code sql} is refused, or splits into other than {@code parts} statements. */
  private boolean splitsApart(String sql, int parts) {
    try {
      return statements(sql) != parts;
    } catch (SQLException e) {
      return true;
    }
  }

  @Test
  void eachStatementsResultComesInOrderRowsOrCommandStatus() throws SQLException {
    Together.Outcome outcome =
        run("SELECT 1 AS a; SET LOCAL application_name = 'x'; SELECT 'two' AS b, 3 AS c");
    assertThat((Throwable) outcome.error()).isNull();
    assertThat(outcome.failed()).isEqualTo(-1);
    assertThat(outcome.done()).isEqualTo(3);
    assertThat(outcome.hasRows(0)).isTrue();
    assertThat(outcome.hasRows(1)).as("SET returns a command status").isFalse();
    assertThat(outcome.hasRows(2)).isTrue();
    assertThat(firstValue(outcome, 0)).isEqualTo("1");
    try (ResultSet rs = outcome.rows(results, 2)) {
      assertThat(rs.getMetaData().getColumnLabel(1)).isEqualTo("b");
      assertThat(rs.next()).isTrue();
      assertThat(rs.getString("b")).isEqualTo("two");
      assertThat(rs.getInt("c")).isEqualTo(3);
      assertThat(rs.next()).isFalse();
    }
    // A query without rows is still a result with rows (none), unlike a command.
    Together.Outcome empty = run("SELECT 1 AS a WHERE false");
    assertThat(empty.hasRows(0)).isTrue();
    try (ResultSet rs = empty.rows(results, 0)) {
      assertThat(rs.next()).isFalse();
    }
  }

  @Test
  void theErrorIsHandedOverForTheStatementThatFailedAndPostgresSkipsTheRest() throws SQLException {
    Together.Outcome outcome = run("SELECT 1 AS a; SELECT 1 / 0; SELECT 3 AS c");
    assertThat(outcome.done()).as("the statements before the failure").isEqualTo(1);
    assertThat(outcome.failed()).isEqualTo(1);
    assertThat((Throwable) outcome.error()).hasMessageContaining("division by zero");
    assertThat(outcome.error().getSQLState()).isEqualTo("22012");
    assertThat(firstValue(outcome, 0)).isEqualTo("1");
    // pgjdbc began the transaction itself; the failure leaves it failed, awaiting the rollback.
    assertThat(Together.transaction(connection)).isEqualTo(Together.Transaction.FAILED);
    connection.rollback();
    assertThat(Together.transaction(connection)).isEqualTo(Together.Transaction.IDLE);
  }

  @Test
  void theFirstStatementsErrorIsStatementZero() throws SQLException {
    Together.Outcome outcome = run("SELECT * FROM no_such_table; SELECT 2");
    assertThat(outcome.done()).isZero();
    assertThat(outcome.failed()).isZero();
    assertThat(outcome.error().getSQLState()).isEqualTo("42P01");
  }

  @Test
  void theTransactionStateIsWhatTheTextLeft() throws SQLException {
    assertThat(Together.transaction(connection)).isEqualTo(Together.Transaction.IDLE);
    run("SELECT 1");
    assertThat(Together.transaction(connection))
        .as("autocommit off: pgjdbc began a transaction")
        .isEqualTo(Together.Transaction.OPEN);
    Together.Outcome ended = run("SELECT 2\n;ROLLBACK");
    assertThat(ended.done()).isEqualTo(2);
    assertThat(ended.hasRows(1)).isFalse();
    assertThat(Together.transaction(connection))
        .as("the text's own rollback ended it")
        .isEqualTo(Together.Transaction.IDLE);
  }

  @Test
  void aReadOnlyConnectionsTransactionIsReadOnly() throws SQLException {
    connection.setReadOnly(true);
    Together.Outcome outcome = run("SELECT current_setting('transaction_read_only')");
    assertThat(firstValue(outcome, 0)).isEqualTo("on");
    Together.Outcome write = run("CREATE TEMPORARY TABLE t (a int)");
    assertThat(write.error().getSQLState()).as("read-only transaction").isEqualTo("25006");
    connection.rollback();
  }

  @Test
  void aTextRunAgainAndAgainAnswersTheSamePastThePrepareThreshold() throws SQLException {
    try (Together.Text text =
        Together.parse(
            connection, "SELECT 41 + 1 AS a, 'x'::text AS b; SELECT now() IS NOT NULL")) {
      assertThat(text.statements()).isEqualTo(2);
      for (int run = 0; run < 8; run++) {
        Together.Outcome outcome = Together.run(connection, text);
        assertThat((Throwable) outcome.error()).as("run %d", run).isNull();
        assertThat(outcome.done()).isEqualTo(2);
        assertThat(firstValue(outcome, 0)).as("run %d", run).isEqualTo("42");
        assertThat(firstValue(outcome, 1)).as("run %d", run).isEqualTo("t");
        connection.rollback();
      }
    }
  }

  @Test
  void aClosedConnectionIsAnErrorAtStatementZeroNotAnException() throws SQLException {
    try (Together.Text text = Together.parse(connection, "SELECT 1; SELECT 2")) {
      connection.close();
      Together.Outcome outcome = Together.run(connection, text);
      assertThat(outcome.done()).isZero();
      assertThat(outcome.failed()).isZero();
      assertThat((Throwable) outcome.error()).isNotNull();
    }
  }
}
