package io.pgwarden.metrics;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.pgwarden.metrics.ReadingStatements.Step;
import io.pgwarden.sql.Together;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PostgresReadings} over one connection kept between scrapes and opened again after a
 * failure. Called by one scrape at a time; synchronized for a registry scraped from elsewhere.
 *
 * <p>Each reading is one statement; {@link #readAll} sends a scrape's together, in one round trip
 * ({@link Together}), each with the server's clock in a last column: a reading's time is the
 * server's between its statement and the one before, and the ping's ({@code Collect.up}) is the
 * rest of the round trip, the time to reach postgres and back. A reading that fails ends the text;
 * those after it go again in another. The statements are prepared, so that pgjdbc parses them once
 * and postgres plans them once. The connection's {@code statement_timeout} is set once, below its
 * socket timeout, so that postgres cancels a slow reading before the socket gives up on the
 * connection. The server version is read once a connection: it cannot change without a restart,
 * which ends the connection.
 */
final class JdbcReadings implements PostgresReadings, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JdbcReadings.class);

  /** Below the socket timeout pgwarden opens this connection with (10 s). */
  private static final String STATEMENT_TIMEOUT = "SET statement_timeout = '9s'";

  private final ConnectionFactory factory;
  private Connection connection;
  private int versionNum;

  /** Makes result sets of {@link #readAll}'s rows; kept with the connection, which closes it. */
  private Statement results;

  /** The texts of {@link #readAll}, parsed once a connection, by text. */
  private final Map<String, Together.Text> texts = new HashMap<>();

  JdbcReadings(ConnectionFactory factory) {
    this.factory = factory;
  }

  /**
   * Runs {@code sql} on the kept connection and reads its rows; a failure closes the connection,
   * for the next call to reopen.
   */
  @SuppressFBWarnings(
      value = "SQL_INJECTION_JDBC",
      justification = "every statement is a constant of this class")
  private synchronized <T> T read(String sql, ReadingStatements.Read<T> read) throws SQLException {
    try {
      try (PreparedStatement statement = connection().prepareStatement(sql);
          ResultSet rows = statement.executeQuery()) {
        return read.from(rows);
      }
    } catch (SQLException | RuntimeException e) {
      close();
      throw e;
    }
  }

  private Connection connection() throws SQLException {
    if (connection == null || connection.isClosed()) {
      Connection c = factory.connect();
      try (Statement s = c.createStatement()) {
        s.execute(STATEMENT_TIMEOUT);
      } catch (SQLException e) {
        c.close();
        throw e;
      }
      connection = c;
      versionNum = 0;
    }
    return connection;
  }

  @Override
  public void ping() throws SQLException {
    read(ReadingStatements.PING, ResultSet::next);
  }

  @Override
  public synchronized int versionNum() throws SQLException {
    if (versionNum == 0 || connection == null || connection.isClosed()) {
      versionNum =
          read(
              "SELECT current_setting('server_version_num')",
              rs -> {
                rs.next();
                return Integer.parseInt(rs.getString(1).trim());
              });
    }
    return versionNum;
  }

  @Override
  public WalDirectory walDirectory() throws SQLException {
    return read(ReadingStatements.WAL, ReadingStatements::walDirectory);
  }

  @Override
  public ArchiveStatus archiveStatus() throws SQLException {
    return read(ReadingStatements.ARCHIVE, ReadingStatements::archiveStatus);
  }

  @Override
  public SyncReplicas syncReplicas() throws SQLException {
    return read(ReadingStatements.SYNC, ReadingStatements::syncReplicas);
  }

  @Override
  public Optional<StatWal> statWal() throws SQLException {
    return read(ReadingStatements.STAT_WAL, ReadingStatements::statWal);
  }

  @Override
  public synchronized Readings readAll(LongSupplier nanoTime) {
    Reading<Integer> version = Reading.take(nanoTime, this::versionNum);
    if (version.error() != null) {
      // no answer at all: postgres is down, or refuses this connection
      return new Readings(
          new Reading<>(null, version.error(), version.nanos()), null, null, null, null, null);
    }
    List<Step<?>> steps =
        new ArrayList<>(
            List.of(
                ReadingStatements.PING_STEP,
                ReadingStatements.ARCHIVE_STEP,
                ReadingStatements.WAL_STEP,
                ReadingStatements.SYNC_STEP));
    if (version.value() >= 140000) {
      steps.add(ReadingStatements.STAT_WAL_STEP);
    }
    Reading<?>[] taken = new Reading<?>[steps.size()];
    int from = 0;
    while (from < steps.size()) {
      from = together(steps, from, taken, nanoTime);
      if (taken[0] != null && taken[0].error() != null) {
        return new Readings(ping(taken[0]), null, null, null, null, null);
      }
    }
    return new Readings(
        ping(taken[0]),
        cast(taken[1]),
        cast(taken[2]),
        cast(taken[3]),
        version,
        steps.size() > 4 ? cast(taken[4]) : null);
  }

  @SuppressWarnings("unchecked")
  private static <T> Reading<T> cast(Reading<?> r) {
    return (Reading<T>) r;
  }

  private static Reading<Boolean> ping(Reading<?> r) {
    return new Reading<>(r.error() == null ? Boolean.TRUE : null, r.error(), r.nanos());
  }

  /**
   * Sends the statements of {@code steps} from {@code from} together; returns where to carry on:
   * past them all, or past the one that failed. The round trip's first statement takes the time the
   * server did not spend on the others; each other, the server's time between its stamp and the one
   * before; one that failed, the whole round trip.
   */
  private int together(List<Step<?>> steps, int from, Reading<?>[] taken, LongSupplier nanoTime) {
    StringBuilder sql = new StringBuilder();
    for (int i = from; i < steps.size(); i++) {
      sql.append(i > from ? ";\n" : "").append(steps.get(i).sql());
    }
    long start = nanoTime.getAsLong();
    Together.Outcome outcome;
    Connection c;
    try {
      c = connection();
      Together.Text text = texts.get(sql.toString());
      if (text == null) {
        text = Together.parse(c, sql.toString());
        texts.put(sql.toString(), text);
      }
      outcome = Together.run(c, text);
    } catch (SQLException e) {
      close();
      for (int i = from; i < steps.size(); i++) {
        taken[i] = new Reading<>(null, e, nanoTime.getAsLong() - start);
      }
      return steps.size();
    }
    long wall = nanoTime.getAsLong() - start;
    long[] stamps = new long[steps.size()];
    long firstStamp = 0;
    long lastStamp = 0;
    int done = Math.min(outcome.done(), steps.size() - from);
    for (int k = 0; k < done; k++) {
      int i = from + k;
      try (ResultSet rs = outcome.rows(statement(c), k)) {
        taken[i] = new Reading<>(steps.get(i).read().from(rs), null, 0);
        stamps[i] = stamp(rs);
      } catch (SQLException | RuntimeException e) {
        taken[i] = new Reading<>(null, e, 0);
      }
      if (stamps[i] != 0) {
        firstStamp = firstStamp == 0 ? stamps[i] : firstStamp;
        lastStamp = stamps[i];
      }
    }
    long previous = 0;
    for (int k = 0; k < done; k++) {
      int i = from + k;
      long nanos =
          k == 0
              ? wall - (lastStamp - firstStamp) * 1000
              : previous == 0 || stamps[i] == 0 ? 0 : (stamps[i] - previous) * 1000;
      taken[i] = new Reading<>(taken[i].value(), taken[i].error(), Math.max(0, nanos));
      previous = stamps[i] != 0 ? stamps[i] : previous;
    }
    if (outcome.error() == null) {
      for (int i = from + done; i < steps.size(); i++) {
        // a text that ended early without an error: not seen from postgres, but no reading is lost
        taken[i] = new Reading<>(null, new SQLException("no result for this reading", "XX000"), 0);
      }
      return steps.size();
    }
    int failed = from + outcome.failed();
    if (failed < steps.size()) {
      taken[failed] = new Reading<>(null, outcome.error(), wall);
    }
    if (isBroken(c)) {
      close();
      for (int i = failed + 1; i < steps.size(); i++) {
        taken[i] = new Reading<>(null, outcome.error(), 0);
      }
      return steps.size();
    }
    return failed + 1;
  }

  /** The stamp of a reading's row, 0 when it has none (no row). */
  private static long stamp(ResultSet rs) {
    try {
      return rs.getLong(rs.getMetaData().getColumnCount());
    } catch (SQLException e) {
      return 0;
    }
  }

  private static boolean isBroken(Connection c) {
    try {
      return c.isClosed();
    } catch (SQLException e) {
      return true;
    }
  }

  /** The statement that makes {@link #readAll}'s result sets, opened once a connection. */
  private Statement statement(Connection c) throws SQLException {
    if (results == null) {
      results = c.createStatement();
    }
    return results;
  }

  @Override
  public synchronized void close() {
    Connection c = connection;
    connection = null;
    results = null;
    texts.clear(); // their server statements end with the connection
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        log.debug("closing the metrics connection: {}", e.getMessage());
      }
    }
  }
}
