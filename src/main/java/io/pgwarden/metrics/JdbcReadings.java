package io.pgwarden.metrics;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link PostgresReadings} over one connection kept between scrapes and opened again after a
 * failure. Called by one scrape at a time; synchronized for a registry scraped from elsewhere.
 *
 * <p>Each reading is one statement, one round trip; the statements are prepared, so that pgjdbc
 * parses them once and postgres plans them once. The connection's {@code statement_timeout} is set
 * once, below its socket timeout, so that postgres cancels a slow reading before the socket gives
 * up on the connection. The server version is read once a connection: it cannot change without a
 * restart, which ends the connection.
 */
final class JdbcReadings implements PostgresReadings, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JdbcReadings.class);

  /** {@code ANY 2 (a, b, c)}, {@code FIRST 1 (a, b)} (as CloudNativePG's regular expression). */
  private static final Pattern SYNC_NAMES =
      Pattern.compile("(ANY|FIRST) ([0-9]+) \\(.*\\)", Pattern.CASE_INSENSITIVE);

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
          + " current_setting('max_slot_wal_keep_size', true)";

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
          + " WHERE sync_state IN ('sync', 'quorum'))";

  /** Below the socket timeout pgwarden opens this connection with (10 s). */
  private static final String STATEMENT_TIMEOUT = "SET statement_timeout = '9s'";

  private final ConnectionFactory factory;
  private Connection connection;
  private int versionNum;

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
    read("SELECT 1", ResultSet::next);
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
    String[] shown = new String[5];
    long segments =
        read(
            WAL,
            rs -> {
              rs.next();
              for (int i = 0; i < shown.length; i++) {
                shown[i] = rs.getString(i + 2);
              }
              return rs.getLong(1);
            });
    // parsed once the statement is done: a value that cannot be parsed is no reason to reconnect
    return walDirectory(segments, shown[0], shown[1], shown[2], shown[3], shown[4]);
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
    return read(
        "SELECT count(*) FILTER (WHERE name LIKE '%.ready'),"
            + " count(*) FILTER (WHERE name LIKE '%.done')"
            + " FROM pg_ls_archive_statusdir()",
        rs -> {
          rs.next();
          return new ArchiveStatus(rs.getLong(1), rs.getLong(2));
        });
  }

  @Override
  public SyncReplicas syncReplicas() throws SQLException {
    return read(
        SYNC,
        rs -> {
          rs.next();
          return new SyncReplicas(expected(rs.getString(1)), rs.getInt(2));
        });
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
    return read(
        // stats_reset as postgres prints it, last, whichever way the driver receives timestamps
        "SELECT *, stats_reset::text FROM pg_stat_wal",
        rs -> {
          if (!rs.next()) {
            return Optional.empty();
          }
          ResultSetMetaData meta = rs.getMetaData();
          Map<String, Integer> columns = new HashMap<>();
          int count = meta.getColumnCount();
          for (int i = 1; i < count; i++) {
            columns.put(meta.getColumnName(i).toLowerCase(Locale.ROOT), i);
          }
          List<Double> values = new ArrayList<>();
          for (MetricNames.Name name : MetricNames.STAT_WAL) {
            Integer column = columns.get(name.name().substring("cnpg_collector_".length()));
            values.add(column == null ? null : rs.getDouble(column));
          }
          String statsReset = columns.containsKey("stats_reset") ? rs.getString(count) : "";
          return Optional.of(new StatWal(statsReset == null ? "" : statsReset, values));
        });
  }

  @Override
  public synchronized void close() {
    Connection c = connection;
    connection = null;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        log.debug("closing the metrics connection: {}", e.getMessage());
      }
    }
  }
}
