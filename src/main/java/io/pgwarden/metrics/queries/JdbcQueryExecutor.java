package io.pgwarden.metrics.queries;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.pgwarden.sql.Together;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Runs queries over JDBC, one reused connection a database and connection number, each statement of
 * a batch in the batch's {@code READ ONLY} transaction with {@code search_path = pg_catalog,
 * public, pg_temp} and the given {@code statement_timeout}, and each in a savepoint that the next
 * statement rolls back to, so that nothing a statement changes in its session (a {@code
 * set_config}, a {@code SET}) is seen by the next; {@link #finish} rolls the transaction back.
 *
 * <p>The settings, the savepoint and the rollback to it travel with the statement, in the same
 * round trip: a batch of n statements run by {@link #query} costs n + 1 round trips. {@link
 * #queryAll} sends its statements together, with the settings, the savepoints and the final
 * rollback, as one multi-statement text: one round trip, and pgjdbc's result handler tells which
 * statement each result or error belongs to. When one fails, postgres skips the rest of the text;
 * they run again together after it, so a failing or slow statement costs its batch one more round
 * trip, not the others' results. A statement that is not a single statement on its own, or a text
 * whose statements do not split as its parts did (an unterminated quote or comment in a query),
 * runs alone, as {@link #query} runs it. A failed statement rolls its transaction back (the next
 * one begins a new one); a connection that fails is closed and opened again on the next call;
 * connections idle for longer than {@code idle} are closed at the next call. {@link QueryEngine}
 * calls it for a connection from one thread at a time. A statement that outlives its {@code
 * statement_timeout} (a server that cannot answer at all) is cut by the engine's own limit, which
 * interrupts the thread, and by the connection's socket timeout.
 */
public final class JdbcQueryExecutor implements QueryExecutor, AutoCloseable {
  /** A query that returned no rows at all (a SET, a DO, an empty text). */
  private static final String NO_RESULTS =
      "No results were returned by the query: a metrics query must be one statement that returns"
          + " rows (a SELECT)";

  private final ConnectionFactory factory;
  private final long idleNanos;
  private final Map<String, HeldConnection> held = new ConcurrentHashMap<>();

  /**
   * Creates an executor.
   *
   * @param factory opens connections as role {@code cnpg_metrics_exporter}
   * @param idle how long an unused connection stays open, e.g. 5 minutes
   */
  public JdbcQueryExecutor(ConnectionFactory factory, Duration idle) {
    this.factory = factory;
    this.idleNanos = idle.toNanos();
  }

  private static String key(String database, int connection) {
    return connection + ":" + database;
  }

  private HeldConnection connection(String key, String database) throws SQLException {
    closeIdle();
    HeldConnection h = held.get(key);
    if (h == null) {
      Connection c = factory.connect(database);
      try {
        c.setAutoCommit(false);
        c.setReadOnly(true); // pgjdbc begins each transaction READ ONLY
      } catch (SQLException e) {
        new HeldConnection(c).closeQuietly();
        throw e;
      }
      h = new HeldConnection(c);
      held.put(key, h);
    }
    h.lastUsed = System.nanoTime();
    return h;
  }

  /** Closes connections unused for longer than the idle time. */
  public void closeIdle() {
    long now = System.nanoTime();
    held.entrySet()
        .removeIf(
            e -> {
              boolean idle = now - e.getValue().lastUsed > idleNanos;
              if (idle) {
                e.getValue().closeQuietly();
              }
              return idle;
            });
  }

  @Override
  public int serverVersionNum(String database, int connection) throws SQLException {
    HeldConnection h = connection(key(database, connection), database);
    if (h.version == 0) {
      Rows rows =
          query(
              database,
              connection,
              "SELECT pg_catalog.current_setting('server_version_num')::int",
              Duration.ofSeconds(5));
      h.version = ((Number) rows.rows().get(0).get(rows.columns().get(0))).intValue();
    }
    return h.version;
  }

  @Override
  @SuppressFBWarnings(
      value = {"SQL_INJECTION_JDBC", "SQL_PREPARED_STATEMENT_GENERATED_FROM_NONCONSTANT_STRING"},
      justification =
          "the SQL is the administrator's queries.yaml, run read-only as cnpg_metrics_exporter;"
              + " what pgwarden puts before it is constant but for the timeout, a number")
  public Rows query(String database, int connection, String sql, Duration timeout)
      throws SQLException {
    String key = key(database, connection);
    HeldConnection h = connection(key, database);
    Connection c = h.connection;
    long millis = Math.max(1, timeout.toMillis());
    h.forget(millis);
    SessionText.Text text = SessionText.alone(h, sql, millis);
    // Prepared, so that pgjdbc parses each text once and, from its fifth run, has postgres keep
    // the statements prepared (named statements, planned once).
    try (PreparedStatement s = c.prepareStatement(text.text())) {
      boolean results = s.execute();
      h.open = true;
      h.timeoutMillis = millis;
      for (int i = 0; i < text.prefix(); i++) {
        results = s.getMoreResults();
      }
      // As Statement.executeQuery: exactly one result, and rows.
      if (!results) {
        throw new SQLException(NO_RESULTS, "02000");
      }
      Rows rows;
      try (ResultSet rs = s.getResultSet()) {
        rows = ResultRows.read(rs);
      }
      if (s.getMoreResults() || s.getUpdateCount() != -1) {
        throw new SQLException("Multiple ResultSets were returned by the query.", "0100E");
      }
      if (Together.transaction(c) != Together.Transaction.OPEN) {
        h.open = false; // the statement ended the transaction: the next one begins another
      }
      return rows;
    } catch (SQLException e) {
      abandon(key, h);
      throw e;
    }
  }

  /** One call of {@link #queryAll}: where its statements run, and their results so far. */
  private static final class Batch {
    private final String key;
    private final String database;
    private final int connection;
    private final List<String> sqls;
    private final Duration timeout;
    private final Result[] results;

    Batch(String database, int connection, List<String> sqls, Duration timeout) {
      this.key = JdbcQueryExecutor.key(database, connection);
      this.database = database;
      this.connection = connection;
      this.sqls = sqls;
      this.timeout = timeout;
      this.results = new Result[sqls.size()];
    }

    String key() {
      return key;
    }

    String database() {
      return database;
    }

    int connection() {
      return connection;
    }

    List<String> sqls() {
      return sqls;
    }

    Duration timeout() {
      return timeout;
    }

    Result[] results() {
      return results;
    }
  }

  @Override
  public List<Result> queryAll(
      String database, int connection, List<String> sqls, Duration timeout) {
    Batch b = new Batch(database, connection, sqls, timeout);
    long millis = Math.max(1, timeout.toMillis());
    int from = 0;
    while (from < sqls.size()) {
      HeldConnection h;
      try {
        h = connection(b.key(), database);
      } catch (SQLException e) {
        Arrays.fill(b.results(), from, sqls.size(), Result.failed(e));
        break;
      }
      h.forget(millis);
      int together = 0;
      while (from + together < sqls.size() && h.single(sqls.get(from + together))) {
        together++;
      }
      from = together == 0 ? alone(b, from, 1) : together(b, h, from, together);
    }
    return List.of(b.results());
  }

  /** Runs {@code count} statements from {@code from} one by one; returns where to carry on. */
  private int alone(Batch b, int from, int count) {
    for (int i = from; i < from + count; i++) {
      try {
        b.results()[i] =
            Result.of(query(b.database(), b.connection(), b.sqls().get(i), b.timeout()));
      } catch (SQLException | RuntimeException e) {
        b.results()[i] = Result.failed(e);
      }
    }
    return from + count;
  }

  /**
   * Runs {@code count} statements from {@code from} as one combined text; returns where to carry
   * on: past them all, or past the one that failed.
   */
  private int together(Batch b, HeldConnection h, int from, int count) {
    Result[] results = b.results();
    String key = b.key();
    long millis = Math.max(1, b.timeout().toMillis());
    SessionText.Text text = SessionText.combined(h, b.sqls(), from, count, millis);
    int prefix = text.prefix();
    Together.Text combined;
    try {
      combined = h.combined(text.text(), prefix + 2 * count);
    } catch (SQLException e) {
      combined = null;
    }
    if (combined == null) {
      return alone(b, from, count);
    }
    h.open = true;
    h.timeoutMillis = millis;
    Together.Outcome outcome = Together.run(h.connection, combined);
    // Statement i of the run is part prefix + 2 * (i - from); a rollback to the savepoint between.
    int failedAt = outcome.error() == null ? Integer.MAX_VALUE : outcome.failed();
    int next = from + count;
    for (int i = from; i < from + count; i++) {
      int part = prefix + 2 * (i - from);
      if (part < outcome.done()) {
        results[i] = result(h, outcome, part);
      } else if (part == failedAt) {
        results[i] = Result.failed(outcome.error());
      } else {
        next = Math.min(next, i); // skipped by postgres after the failure: to run again
      }
    }
    if (outcome.error() == null
        && outcome.done() == prefix + 2 * count
        && Together.transaction(h.connection) == Together.Transaction.IDLE) {
      h.open = false; // the text's own rollback ended the transaction
      return next;
    }
    abandon(key, h);
    if (failedAt < prefix || !held.containsKey(key) || next == from) {
      // a failure before the first query, or of the connection: the rest fails with it
      SQLException e =
          outcome.error() != null
              ? outcome.error()
              : new SQLException("the combined statements ended unexpectedly", "XX000");
      for (int i = from; i < from + count; i++) {
        if (results[i] == null) {
          results[i] = Result.failed(e);
        }
      }
      return from + count;
    }
    return next;
  }

  /** A statement's outcome as a query's result: its rows, or an error when it returned none. */
  private static Result result(HeldConnection h, Together.Outcome outcome, int part) {
    if (!outcome.hasRows(part)) {
      return Result.failed(new SQLException(NO_RESULTS, "02000"));
    }
    try (ResultSet rs = outcome.rows(h.results(), part)) {
      return Result.of(ResultRows.read(rs));
    } catch (SQLException e) {
      return Result.failed(e);
    }
  }

  /** After a failure: rolls the transaction back, or closes the connection when that fails too. */
  private void abandon(String key, HeldConnection h) {
    h.open = false;
    try {
      if (!h.connection.isClosed()) {
        h.connection.rollback();
        return;
      }
    } catch (SQLException e) {
      // the connection is broken: closed below
    }
    held.remove(key, h);
    h.closeQuietly();
  }

  @Override
  public void finish(String database, int connection) {
    String key = key(database, connection);
    HeldConnection h = held.get(key);
    if (h != null && h.open) {
      h.open = false;
      try {
        h.connection.rollback();
      } catch (SQLException e) {
        held.remove(key, h);
        h.closeQuietly();
      }
    }
  }

  /** Closes every connection. */
  @Override
  public void close() {
    held.values().forEach(HeldConnection::closeQuietly);
    held.clear();
  }
}
