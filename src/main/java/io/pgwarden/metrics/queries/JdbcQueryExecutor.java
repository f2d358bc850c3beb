package io.pgwarden.metrics.queries;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.pgwarden.sql.Together;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;
import org.postgresql.util.PGInterval;

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
  /** The savepoint each statement runs after, and the next statement rolls back to. */
  private static final String SAVEPOINT = "pgwarden_query";

  /**
   * After pgjdbc's {@code BEGIN READ ONLY} (the connection is read-only): the settings, local to
   * the transaction, in one statement (the timeout goes between), the savepoint, then the query.
   */
  private static final String BEGIN =
      "SELECT pg_catalog.set_config('search_path', 'pg_catalog, public, pg_temp', true),"
          + " pg_catalog.set_config('statement_timeout', '";

  /** Ends {@link #BEGIN}'s settings: the savepoint. */
  private static final String BEGIN_SAVE = "', true); SAVEPOINT " + SAVEPOINT + ";\n";

  private static final int BEGIN_STATEMENTS = 2;

  /** Ends {@link #NEXT_TIMEOUT}'s setting: the savepoint. */
  private static final String SAVE = "; SAVEPOINT " + SAVEPOINT + ";\n";

  /** Undoes the previous statement: 1 statement, then the query. */
  private static final String NEXT = "ROLLBACK TO SAVEPOINT " + SAVEPOINT + ";\n";

  /**
   * Undoes the previous statement and sets another timeout: 3 statements (the timeout goes
   * between), then the query.
   */
  private static final String NEXT_TIMEOUT =
      "ROLLBACK TO SAVEPOINT " + SAVEPOINT + "; SET LOCAL statement_timeout = ";

  private static final int NEXT_TIMEOUT_STATEMENTS = 3;

  private static final int MAX_TEXTS = 1000;

  /** A query that returned no rows at all (a SET, a DO, an empty text). */
  private static final String NO_RESULTS =
      "No results were returned by the query: a metrics query must be one statement that returns"
          + " rows (a SELECT)";

  /**
   * The combined texts kept prepared a connection: each holds a server-side statement a part once
   * pgjdbc prepares it, so only a few are kept, the least recently used going first: the texts a
   * scrape sends every time stay, the occasional one (a query timed alone, a query cached for
   * longer) comes and goes.
   */
  private static final int MAX_COMBINED = 16;

  /** Ends a combined text: the rollback of its transaction. */
  private static final String END = "\n;ROLLBACK";

  /** Between two statements of a combined text. */
  private static final String BETWEEN = "\n;ROLLBACK TO SAVEPOINT " + SAVEPOINT + ";\n";

  private final ConnectionFactory factory;
  private final long idleNanos;
  private final Map<String, Held> held = new ConcurrentHashMap<>();

  /** Combined texts, least recently used first; past {@link #MAX_COMBINED}, that one is closed. */
  private static final class RecentTexts extends LinkedHashMap<String, Together.Text> {
    private static final long serialVersionUID = 1L;

    RecentTexts() {
      super(MAX_COMBINED * 2, 0.75f, true);
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Together.Text> eldest) {
      if (size() <= MAX_COMBINED) {
        return false;
      }
      eldest.getValue().close();
      return true;
    }
  }

  private static final class Held {
    final Connection connection;

    /** The statements prefixed with {@link #BEGIN}, by query text, so each is built once. */
    final Map<String, String> begin = new HashMap<>();

    /** The timeout in the texts of {@link #begin}. */
    long beginMillis;

    /** The statements prefixed with {@link #NEXT}, by query text. */
    final Map<String, String> next = new HashMap<>();

    /** Whether a query text is a single statement, by text. */
    final Map<String, Boolean> single = new HashMap<>();

    /** The combined texts of {@link #queryAll}, parsed, by text, least recently used first. */
    final Map<String, Together.Text> combined = new RecentTexts();

    /** Combined texts whose statements do not split as their parts: their parts run alone. */
    final Set<String> apart = new HashSet<>();

    /** Makes pgjdbc's result sets from the rows of a combined text; opened on first use. */
    Statement statement;

    int version;
    long lastUsed = System.nanoTime();

    /** Whether the batch's transaction is under way, with its settings and savepoint. */
    boolean open;

    /** The {@code statement_timeout} the open transaction has, in milliseconds. */
    long timeoutMillis;

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

  private static String key(String database, int connection) {
    return connection + ":" + database;
  }

  private Held connection(String key, String database) throws SQLException {
    closeIdle();
    Held h = held.get(key);
    if (h == null) {
      Connection c = factory.connect(database);
      try {
        c.setAutoCommit(false);
        c.setReadOnly(true); // pgjdbc begins each transaction READ ONLY
      } catch (SQLException e) {
        closeQuietly(c);
        throw e;
      }
      h = new Held(c);
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
                closeQuietly(e.getValue().connection);
              }
              return idle;
            });
  }

  @Override
  public int serverVersionNum(String database, int connection) throws SQLException {
    Held h = connection(key(database, connection), database);
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
    Held h = connection(key, database);
    Connection c = h.connection;
    long millis = Math.max(1, timeout.toMillis());
    String text;
    int skip;
    forget(h, millis);
    if (!h.open) {
      text = h.begin.computeIfAbsent(sql, q -> BEGIN + millis + BEGIN_SAVE + q);
      skip = BEGIN_STATEMENTS;
    } else if (h.timeoutMillis != millis) {
      text = NEXT_TIMEOUT + millis + SAVE + sql;
      skip = NEXT_TIMEOUT_STATEMENTS;
    } else {
      text = h.next.computeIfAbsent(sql, q -> NEXT + q);
      skip = 1;
    }
    // Prepared, so that pgjdbc parses each text once and, from its fifth run, has postgres keep
    // the statements prepared (named statements, planned once).
    try (PreparedStatement s = c.prepareStatement(text)) {
      boolean results = s.execute();
      h.open = true;
      h.timeoutMillis = millis;
      for (int i = 0; i < skip; i++) {
        results = s.getMoreResults();
      }
      // As Statement.executeQuery: exactly one result, and rows.
      if (!results) {
        throw new SQLException(NO_RESULTS, "02000");
      }
      Rows rows;
      try (ResultSet rs = s.getResultSet()) {
        rows = read(rs);
      }
      if (s.getMoreResults() || s.getUpdateCount() != -1) {
        throw new SQLException("Multiple ResultSets were returned by the query.", "0100E");
      }
      if (c.unwrap(BaseConnection.class).getTransactionState() != TransactionState.OPEN) {
        h.open = false; // the statement ended the transaction: the next one begins another
      }
      return rows;
    } catch (SQLException e) {
      abandon(key, h);
      throw e;
    }
  }

  /**
   * Starts the kept texts afresh when queries were replaced many times over or the timeout moved.
   */
  private static void forget(Held h, long millis) {
    if (h.begin.size() + h.next.size() + h.single.size() + h.apart.size() > MAX_TEXTS
        || h.beginMillis != millis) {
      h.begin.clear();
      h.next.clear();
      h.single.clear();
      h.combined.values().forEach(Together.Text::close);
      h.combined.clear();
      h.apart.clear();
      h.beginMillis = millis;
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
      Held h;
      try {
        h = connection(b.key(), database);
      } catch (SQLException e) {
        Arrays.fill(b.results(), from, sqls.size(), Result.failed(e));
        break;
      }
      forget(h, millis);
      int together = 0;
      while (from + together < sqls.size() && single(h, sqls.get(from + together))) {
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

  /** Whether {@code sql} is one statement for pgjdbc, so that it can go into a combined text. */
  private static boolean single(Held h, String sql) {
    Boolean one = h.single.get(sql);
    if (one == null) {
      try {
        one = Together.statements(h.connection, sql) == 1;
      } catch (SQLException e) {
        one = false; // running it alone reports the problem
      }
      h.single.put(sql, one);
    }
    return one;
  }

  /**
   * Runs {@code count} statements from {@code from} as one combined text; returns where to carry
   * on: past them all, or past the one that failed.
   */
  private int together(Batch b, Held h, int from, int count) {
    List<String> sqls = b.sqls();
    Result[] results = b.results();
    String key = b.key();
    long millis = Math.max(1, b.timeout().toMillis());
    StringBuilder text = new StringBuilder(256 * count);
    int prefix;
    if (!h.open) {
      text.append(BEGIN).append(millis).append(BEGIN_SAVE);
      prefix = BEGIN_STATEMENTS;
    } else if (h.timeoutMillis != millis) {
      text.append(NEXT_TIMEOUT).append(millis).append(SAVE);
      prefix = NEXT_TIMEOUT_STATEMENTS;
    } else {
      text.append(NEXT);
      prefix = 1;
    }
    for (int i = from; i < from + count; i++) {
      if (i > from) {
        text.append(BETWEEN);
      }
      text.append(sqls.get(i));
    }
    text.append(END);
    Together.Text combined;
    try {
      combined = combined(h, text.toString(), prefix + 2 * count);
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
        && transactionState(h) == TransactionState.IDLE) {
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

  private static TransactionState transactionState(Held h) {
    try {
      return h.connection.unwrap(BaseConnection.class).getTransactionState();
    } catch (SQLException e) {
      return TransactionState.FAILED;
    }
  }

  /**
   * The combined text, parsed once; {@code null} when it does not split into {@code statements}
   * statements (its parts then run alone).
   */
  private static Together.Text combined(Held h, String text, int statements) throws SQLException {
    Together.Text t = h.combined.get(text);
    if (t == null && !h.apart.contains(text)) {
      t = Together.parse(h.connection, text);
      if (t.statements() == statements) {
        h.combined.put(text, t);
      } else {
        t.close();
        t = null;
        h.apart.add(text);
      }
    }
    return t;
  }

  /** A statement's outcome as a query's result: its rows, or an error when it returned none. */
  private static Result result(Held h, Together.Outcome outcome, int part) {
    if (!outcome.hasRows(part)) {
      return Result.failed(new SQLException(NO_RESULTS, "02000"));
    }
    try {
      if (h.statement == null) {
        h.statement = h.connection.createStatement();
      }
      try (ResultSet rs = outcome.rows(h.statement, part)) {
        return Result.of(read(rs));
      }
    } catch (SQLException e) {
      return Result.failed(e);
    }
  }

  /** After a failure: rolls the transaction back, or closes the connection when that fails too. */
  private void abandon(String key, Held h) {
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
    closeQuietly(h.connection);
  }

  @Override
  public void finish(String database, int connection) {
    String key = key(database, connection);
    Held h = held.get(key);
    if (h != null && h.open) {
      h.open = false;
      try {
        h.connection.rollback();
      } catch (SQLException e) {
        held.remove(key, h);
        closeQuietly(h.connection);
      }
    }
  }

  private static Rows read(ResultSet rs) throws SQLException {
    ResultSetMetaData meta = rs.getMetaData();
    int count = meta.getColumnCount();
    List<String> columns = new ArrayList<>(count);
    // A column name given twice reads as its last column, as a map filled column by column would.
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 1; i <= count; i++) {
      String label = meta.getColumnLabel(i);
      columns.add(label);
      index.put(label, i - 1);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    while (rs.next()) {
      Object[] values = new Object[count];
      for (int i = 1; i <= count; i++) {
        values[i - 1] = value(rs.getObject(i));
      }
      rows.add(new ArrayRow(index, values));
    }
    return new Rows(columns, rows);
  }

  /**
   * A row as an unmodifiable map of column name to value, over the row's array and the index of
   * columns its result shares among its rows: no hash table a row.
   */
  private static final class ArrayRow extends AbstractMap<String, Object> {
    private final Map<String, Integer> index;
    private final Object[] values;

    ArrayRow(Map<String, Integer> index, Object[] values) {
      this.index = index;
      this.values = values;
    }

    @Override
    public Object get(Object column) {
      Integer i = index.get(column);
      return i == null ? null : values[i];
    }

    @Override
    public boolean containsKey(Object column) {
      return index.containsKey(column);
    }

    @Override
    public int size() {
      return index.size();
    }

    @Override
    public Set<Entry<String, Object>> entrySet() {
      Set<Entry<String, Object>> entries = new LinkedHashSet<>();
      index.forEach((column, i) -> entries.add(new SimpleImmutableEntry<>(column, values[i])));
      return Collections.unmodifiableSet(entries);
    }
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
