package io.pgwarden.metrics;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.pgwarden.sql.Together;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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

  /** {@code ANY 2 (a, b, c)}, {@code FIRST 1 (a, b)} (as CloudNativePG's regular expression). */
  private static final Pattern SYNC_NAMES =
      Pattern.compile("(ANY|FIRST) ([0-9]+) \\(.*\\)", Pattern.CASE_INSENSITIVE);

  /** The server's clock after a reading's row, in microseconds: the last column of each. */
  private static final String STAMP = "(extract(epoch FROM clock_timestamp()) * 1000000)::int8";

  /**
   * The WAL segment files, and the settings that size {@code pg_wal} as postgres prints them (with
   * their unit: {@link MemorySetting}); NULL for a setting this version of postgres lacks. Not
   * {@code pg_settings}: that view renders all of postgres's settings to return five, about ten
   * times the time of the whole statement without it.
   */
  private static final String WAL =
      "SELECT (SELECT count(*) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}'),"
          + " current_setting('wal_segment_size', true), current_setting('min_wal_size', true),"
          + " current_setting('max_wal_size', true), current_setting('wal_keep_size', true),"
          + " current_setting('max_slot_wal_keep_size', true), "
          + STAMP;

  /**
   * The standbys {@code synchronous_standby_names} asks for, and those that are sync or quorum. The
   * WAL senders' own function rather than {@code pg_stat_replication}, which inner-joins the same
   * rows on pid to {@code pg_stat_get_activity}, then {@code pg_authid}, for columns not read here,
   * and takes ten times as long to plan and twice as long to run. Role {@code postgres} is a
   * superuser, which sees {@code sync_state}; a role without pg_read_all_stats would see it NULL,
   * through the view as well.
   */
  private static final String SYNC =
      "SELECT current_setting('synchronous_standby_names'),"
          + " (SELECT count(*) FROM pg_stat_get_wal_senders()"
          + " WHERE sync_state IN ('sync', 'quorum')), "
          + STAMP;

  private static final String PING = "SELECT " + STAMP;

  private static final String ARCHIVE =
      "SELECT count(*) FILTER (WHERE name LIKE '%.ready'),"
          + " count(*) FILTER (WHERE name LIKE '%.done'), "
          + STAMP
          + " FROM pg_ls_archive_statusdir()";

  // stats_reset as postgres prints it, last but the stamp, whichever way the driver receives
  // timestamps
  private static final String STAT_WAL =
      "SELECT *, stats_reset::text, " + STAMP + " FROM pg_stat_wal";

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

  @FunctionalInterface
  private interface Read<T> {
    T from(ResultSet rows) throws SQLException;
  }

  /**
   * Runs {@code sql} on the kept connection and reads its rows; a failure closes the connection,
   * for the next call to reopen.
   */
  @SuppressFBWarnings(
      value = "SQL_INJECTION_JDBC",
      justification = "every statement is a constant of this class")
  private synchronized <T> T read(String sql, Read<T> read) throws SQLException {
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
    read(PING, ResultSet::next);
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
    return read(WAL, JdbcReadings::walDirectory);
  }

  /** The WAL directory from the row of {@link #WAL}. */
  private static WalDirectory walDirectory(ResultSet rs) throws SQLException {
    rs.next();
    return walDirectory(
        rs.getLong(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getString(6));
  }

  /**
   * The WAL directory from its segment count and its settings as {@code current_setting} prints
   * them; a null setting (absent from this version of postgres) takes the value pgwarden assumed
   * before: 16 MB segments, 0 for the sizes, -1 (unlimited) for the slots' limit.
   *
   * @throws IllegalArgumentException naming the setting whose value cannot be parsed
   */
  static WalDirectory walDirectory(
      long segments,
      String walSegmentSize,
      String minWalSize,
      String maxWalSize,
      String walKeepSize,
      String maxSlotWalKeepSize) {
    return new WalDirectory(
        segments,
        bytes("wal_segment_size", walSegmentSize, MemorySetting.BYTES, 16L << 20),
        bytes("min_wal_size", minWalSize, MemorySetting.MEGABYTES, 0),
        bytes("max_wal_size", maxWalSize, MemorySetting.MEGABYTES, 0),
        bytes("wal_keep_size", walKeepSize, MemorySetting.MEGABYTES, 0),
        bytes("max_slot_wal_keep_size", maxSlotWalKeepSize, MemorySetting.MEGABYTES, -1));
  }

  private static double bytes(String setting, String shown, long baseUnit, long absent) {
    return (double) (shown == null ? absent : MemorySetting.bytes(setting, shown, baseUnit));
  }

  @Override
  public ArchiveStatus archiveStatus() throws SQLException {
    return read(ARCHIVE, JdbcReadings::archiveStatus);
  }

  private static ArchiveStatus archiveStatus(ResultSet rs) throws SQLException {
    rs.next();
    return new ArchiveStatus(rs.getLong(1), rs.getLong(2));
  }

  @Override
  public SyncReplicas syncReplicas() throws SQLException {
    return read(SYNC, JdbcReadings::syncReplicas);
  }

  private static SyncReplicas syncReplicas(ResultSet rs) throws SQLException {
    rs.next();
    return new SyncReplicas(expected(rs.getString(1)), rs.getInt(2));
  }

  /**
   * The number of synchronous standbys {@code synchronous_standby_names} asks for: N of {@code ANY
   * N (...)} or {@code FIRST N (...)}; 1 for a bare list, which postgres reads as {@code FIRST 1};
   * 0 when empty.
   */
  static int expected(String names) {
    if (names == null || names.isBlank()) {
      return 0;
    }
    Matcher m = SYNC_NAMES.matcher(names.trim());
    if (m.matches()) {
      return Integer.parseInt(m.group(2));
    }
    Matcher bare = Pattern.compile("([0-9]+) \\(.*\\)").matcher(names.trim());
    return bare.matches() ? Integer.parseInt(bare.group(1)) : 1;
  }

  @Override
  public Optional<StatWal> statWal() throws SQLException {
    return read(STAT_WAL, JdbcReadings::statWal);
  }

  /** The row of {@link #STAT_WAL}: its columns, then stats_reset as text, then the stamp. */
  private static Optional<StatWal> statWal(ResultSet rs) throws SQLException {
    if (!rs.next()) {
      return Optional.empty();
    }
    ResultSetMetaData meta = rs.getMetaData();
    Map<String, Integer> columns = new HashMap<>();
    int count = meta.getColumnCount() - 2;
    for (int i = 1; i <= count; i++) {
      columns.put(meta.getColumnName(i).toLowerCase(Locale.ROOT), i);
    }
    List<Double> values = new ArrayList<>();
    for (MetricNames.Name name : MetricNames.STAT_WAL) {
      Integer column = columns.get(name.name().substring("cnpg_collector_".length()));
      values.add(column == null ? null : rs.getDouble(column));
    }
    String statsReset = columns.containsKey("stats_reset") ? rs.getString(count + 1) : "";
    return Optional.of(new StatWal(statsReset == null ? "" : statsReset, values));
  }

  /** A reading of {@link #readAll}: its statement, and how its value is read from its row. */
  private record Step<T>(String sql, Read<T> read) {}

  private static final Step<Boolean> PING_STEP = new Step<>(PING, rs -> rs.next());
  private static final Step<ArchiveStatus> ARCHIVE_STEP =
      new Step<>(ARCHIVE, JdbcReadings::archiveStatus);
  private static final Step<WalDirectory> WAL_STEP = new Step<>(WAL, JdbcReadings::walDirectory);
  private static final Step<SyncReplicas> SYNC_STEP = new Step<>(SYNC, JdbcReadings::syncReplicas);
  private static final Step<Optional<StatWal>> STAT_WAL_STEP =
      new Step<>(STAT_WAL, JdbcReadings::statWal);

  @Override
  public synchronized Readings readAll(LongSupplier nanoTime) {
    Reading<Integer> version = Reading.take(nanoTime, this::versionNum);
    if (version.error() != null) {
      // no answer at all: postgres is down, or refuses this connection
      return new Readings(
          new Reading<>(null, version.error(), version.nanos()), null, null, null, null, null);
    }
    List<Step<?>> steps = new ArrayList<>(List.of(PING_STEP, ARCHIVE_STEP, WAL_STEP, SYNC_STEP));
    if (version.value() >= 140000) {
      steps.add(STAT_WAL_STEP);
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
