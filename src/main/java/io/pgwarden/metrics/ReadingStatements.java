package io.pgwarden.metrics;

import io.pgwarden.metrics.PostgresReadings.ArchiveStatus;
import io.pgwarden.metrics.PostgresReadings.StatWal;
import io.pgwarden.metrics.PostgresReadings.SyncReplicas;
import io.pgwarden.metrics.PostgresReadings.WalDirectory;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The statements of {@link JdbcReadings}, one a reading, each with the server's clock in a last
 * column ({@link #STAMP}), and how each reading's value is read from its row.
 */
final class ReadingStatements {
  /** {@code ANY 2 (a, b, c)}, {@code FIRST 1 (a, b)} (as CloudNativePG's regular expression). */
  private static final Pattern SYNC_NAMES =
      Pattern.compile("(ANY|FIRST) ([0-9]+) \\(.*\\)", Pattern.CASE_INSENSITIVE);

  /** The server's clock after a reading's row, in microseconds: the last column of each. */
  static final String STAMP = "(extract(epoch FROM clock_timestamp()) * 1000000)::int8";

  /**
   * The WAL segment files, and the settings that size {@code pg_wal} as postgres prints them (with
   * their unit: {@link MemorySetting}); NULL for a setting this version of postgres lacks. Not
   * {@code pg_settings}: that view renders all of postgres's settings to return five, about ten
   * times the time of the whole statement without it.
   */
  static final String WAL =
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
  static final String SYNC =
      "SELECT current_setting('synchronous_standby_names'),"
          + " (SELECT count(*) FROM pg_stat_get_wal_senders()"
          + " WHERE sync_state IN ('sync', 'quorum')), "
          + STAMP;

  static final String PING = "SELECT " + STAMP;

  static final String ARCHIVE =
      "SELECT count(*) FILTER (WHERE name LIKE '%.ready'),"
          + " count(*) FILTER (WHERE name LIKE '%.done'), "
          + STAMP
          + " FROM pg_ls_archive_statusdir()";

  // stats_reset as postgres prints it, last but the stamp, whichever way the driver receives
  // timestamps
  static final String STAT_WAL = "SELECT *, stats_reset::text, " + STAMP + " FROM pg_stat_wal";

  private ReadingStatements() {}

  /** How a reading's value is read from its statement's rows. */
  @FunctionalInterface
  interface Read<T> {
    T from(ResultSet rows) throws SQLException;
  }

  /**
   * A reading of {@link JdbcReadings#readAll}: its statement, and how its value is read from its
   * row.
   */
  record Step<T>(String sql, Read<T> read) {}

  static final Step<Boolean> PING_STEP = new Step<>(PING, rs -> rs.next());
  static final Step<ArchiveStatus> ARCHIVE_STEP =
      new Step<>(ARCHIVE, ReadingStatements::archiveStatus);
  static final Step<WalDirectory> WAL_STEP = new Step<>(WAL, ReadingStatements::walDirectory);
  static final Step<SyncReplicas> SYNC_STEP = new Step<>(SYNC, ReadingStatements::syncReplicas);
  static final Step<Optional<StatWal>> STAT_WAL_STEP =
      new Step<>(STAT_WAL, ReadingStatements::statWal);

  /** The WAL directory from the row of {@link #WAL}. */
  static WalDirectory walDirectory(ResultSet rs) throws SQLException {
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

  static ArchiveStatus archiveStatus(ResultSet rs) throws SQLException {
    rs.next();
    return new ArchiveStatus(rs.getLong(1), rs.getLong(2));
  }

  static SyncReplicas syncReplicas(ResultSet rs) throws SQLException {
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

  /** The row of {@link #STAT_WAL}: its columns, then stats_reset as text, then the stamp. */
  static Optional<StatWal> statWal(ResultSet rs) throws SQLException {
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
}
