package io.pgwarden.metrics.queries;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Runs one SQL statement in one database, read-only, within a timeout, on one of the database's
 * connections (numbered from 0). {@link QueryEngine} calls it for one connection at a time from
 * that connection's own thread, so an implementation may hold one session a connection number. The
 * engine runs a scrape's statements on a connection as a batch: {@link #query} or {@link #queryAll}
 * for them, then {@link #finish} once.
 */
public interface QueryExecutor {
  /**
   * Runs {@code sql} in a read-only transaction in {@code database}.
   *
   * @param timeout the statement timeout
   * @return the rows, each a map of column name to value ({@code null} for SQL NULL; arrays as
   *     {@code List})
   * @throws SQLException when the statement fails or times out
   */
  Rows query(String database, int connection, String sql, Duration timeout) throws SQLException;

  /**
   * Runs {@code sqls} in order in {@code database}, each as {@link #query} runs one: one result
   * each, in order; a statement that fails leaves the others to run. An implementation may send
   * them together (one round trip for all).
   *
   * @param timeout each statement's timeout
   */
  default List<Result> queryAll(
      String database, int connection, List<String> sqls, Duration timeout) {
    List<Result> results = new ArrayList<>(sqls.size());
    for (String sql : sqls) {
      try {
        results.add(Result.of(query(database, connection, sql, timeout)));
      } catch (SQLException | RuntimeException e) {
        results.add(Result.failed(e));
      }
    }
    return results;
  }

  /**
   * Ends a batch of statements on a connection to {@code database}: whatever a statement of the
   * batch left behind in its session is undone before the next batch. Never throws.
   */
  default void finish(String database, int connection) {}

  /** The server's {@code server_version_num}, e.g. 170002, read once per connection. */
  int serverVersionNum(String database, int connection) throws SQLException;

  /**
   * Rows of a result.
   *
   * @param columns the column names in result order
   * @param rows each row as column name to value; values may be {@code null}
   */
  record Rows(List<String> columns, List<Map<String, Object>> rows) {
    /** Copies the lists; the row maps are kept as given and must not change afterwards. */
    public Rows {
      columns = List.copyOf(columns);
      rows = List.copyOf(rows);
    }
  }

  /**
   * The outcome of one statement of {@link #queryAll}: its rows, or why it failed.
   *
   * @param rows the rows; {@code null} when it failed
   * @param error why it failed; {@code null} when it succeeded
   */
  @SuppressFBWarnings(
      value = "EI_EXPOSE_REP",
      justification = "the error is handed on as it came, to be reported")
  record Result(Rows rows, Exception error) {
    @SuppressFBWarnings(
        value = "EI_EXPOSE_REP2",
        justification = "the error is handed on as it came, to be reported")
    public Result {
      if ((rows == null) == (error == null)) {
        throw new IllegalArgumentException("a result has either rows or an error");
      }
    }

    static Result of(Rows rows) {
      return new Result(rows, null);
    }

    static Result failed(Exception error) {
      return new Result(null, error);
    }
  }
}
