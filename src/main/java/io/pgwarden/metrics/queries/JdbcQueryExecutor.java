package io.pgwarden.metrics.queries;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.sql.Array;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.postgresql.util.PGInterval;

/**
 * Runs queries over JDBC, one reused connection a database. Each statement runs in a {@code READ
 * ONLY} transaction with {@code search_path = pg_catalog, public, pg_temp} and the given {@code
 * statement_timeout}, and is rolled back. A connection that fails is closed and opened again on the
 * next call; connections idle for longer than {@code idle} are closed at the next call. {@link
 * QueryEngine} calls it for a database from one thread at a time.
 */
public final class JdbcQueryExecutor implements QueryExecutor, AutoCloseable {
  private final ConnectionFactory factory;
  private final long idleNanos;
  private final Map<String, Held> held = new ConcurrentHashMap<>();

  private static final class Held {
    final Connection connection;
    int version;
    long lastUsed = System.nanoTime();

    Held(Connection connection) {
      this.connection = connection;
    }
  }

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

  private Held connection(String database) throws SQLException {
    closeIdle();
    Held h = held.get(database);
    if (h == null) {
      Connection c = factory.connect(database);
      c.setAutoCommit(false);
      h = new Held(c);
      held.put(database, h);
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
                closeQuietly(e.getValue().connection);
              }
              return idle;
            });
  }

  @Override
  public int serverVersionNum(String database) throws SQLException {
    Held h = connection(database);
    if (h.version == 0) {
      Rows rows =
          query(
              database,
              "SELECT pg_catalog.current_setting('server_version_num')::int",
              Duration.ofSeconds(5));
      h.version = ((Number) rows.rows().get(0).get(rows.columns().get(0))).intValue();
    }
    return h.version;
  }

  @Override
  @SuppressFBWarnings(
      value = {"SQL_INJECTION_JDBC", "SQL_NONCONSTANT_STRING_PASSED_TO_EXECUTE"},
      justification =
          "the SQL is the administrator's queries.yaml, run read-only as cnpg_metrics_exporter;"
              + " the timeout is a number")
  public Rows query(String database, String sql, Duration timeout) throws SQLException {
    Held h = connection(database);
    Connection c = h.connection;
    try (Statement s = c.createStatement()) {
      s.execute("SET TRANSACTION READ ONLY");
      s.execute("SET LOCAL search_path = pg_catalog, public, pg_temp");
      s.execute("SET LOCAL statement_timeout = " + Math.max(1, timeout.toMillis()));
      // Backs up statement_timeout when the server cannot answer at all.
      s.setQueryTimeout((int) Math.max(1, timeout.toSeconds() + 1));
      try (ResultSet rs = s.executeQuery(sql)) {
        Rows rows = read(rs);
        c.rollback();
        return rows;
      }
    } catch (SQLException e) {
      held.remove(database, h);
      closeQuietly(c);
      throw e;
    }
  }

  private static Rows read(ResultSet rs) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    List<String> columns = new ArrayList<>();
    for (int i = 1; i <= meta.getColumnCount(); i++) {
      columns.add(meta.getColumnLabel(i));
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    while (rs.next()) {
      Map<String, Object> row = new LinkedHashMap<>();
      for (int i = 1; i <= columns.size(); i++) {
        row.put(columns.get(i - 1), value(rs.getObject(i)));
      }
      rows.add(Collections.unmodifiableMap(row));
    }
    return new Rows(columns, rows);
  }

  private static Object value(Object v) throws SQLException {
    if (v instanceof Array a) {
      Object array = a.getArray();
      return array instanceof Object[] items ? Arrays.asList(items) : array;
    }
    if (v instanceof PGInterval i) {
      double seconds =
          ((i.getYears() * 365.25 + i.getMonths() * 30.0 + i.getDays()) * 24 + i.getHours()) * 3600
              + i.getMinutes() * 60
              + i.getSeconds();
      return seconds * 1000;
    }
    return v;
  }

  private static void closeQuietly(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      // Closing a broken connection fails the same way it broke; nothing more to do.
    }
  }

  /** Closes every connection. */
  @Override
  public void close() {
    held.values().forEach(h -> closeQuietly(h.connection));
    held.clear();
  }
}
