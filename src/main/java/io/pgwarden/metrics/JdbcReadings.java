package io.pgwarden.metrics;

import java.sql.Connection;
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
 */
final class JdbcReadings implements PostgresReadings, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(JdbcReadings.class);

  /** {@code ANY 2 (a, b, c)}, {@code FIRST 1 (a, b)} (as CloudNativePG's regular expression). */
  private static final Pattern SYNC_NAMES =
      Pattern.compile("(ANY|FIRST) ([0-9]+) \\(.*\\)", Pattern.CASE_INSENSITIVE);

  /** A setting in bytes, whatever its unit; -1 stays -1 (unlimited). */
  private static final String SETTINGS =
      "SELECT name, CASE WHEN setting::float8 < 0 THEN setting::float8"
          + " ELSE setting::float8 * CASE unit WHEN 'B' THEN 1 WHEN 'kB' THEN 1024"
          + " WHEN '8kB' THEN 8192 WHEN 'MB' THEN 1048576 WHEN 'GB' THEN 1073741824"
          + " ELSE 1 END END FROM pg_settings WHERE name IN ('wal_segment_size',"
          + " 'min_wal_size', 'max_wal_size', 'wal_keep_size', 'max_slot_wal_keep_size')";

  private final ConnectionFactory factory;
  private Connection connection;

  JdbcReadings(ConnectionFactory factory) {
    this.factory = factory;
  }

  @FunctionalInterface
  private interface Read<T> {
    T on(Statement statement) throws SQLException;
  }

  /** Runs {@code read} on the kept connection; a failure closes it, for the next call to reopen. */
  private synchronized <T> T read(Read<T> read) throws SQLException {
    try {
      if (connection == null || connection.isClosed()) {
        connection = factory.connect();
      }
      try (Statement statement = connection.createStatement()) {
        statement.setQueryTimeout(10);
        return read.on(statement);
      }
    } catch (SQLException | RuntimeException e) {
      close();
      throw e;
    }
  }

  @Override
  public void ping() throws SQLException {
    read(s -> s.execute("SELECT 1"));
  }

  @Override
  public int versionNum() throws SQLException {
    return read(
        s -> {
          try (ResultSet rs = s.executeQuery("SELECT current_setting('server_version_num')")) {
            rs.next();
            return Integer.parseInt(rs.getString(1).trim());
          }
        });
  }

  @Override
  public WalDirectory walDirectory() throws SQLException {
    return read(
        s -> {
          long segments;
          try (ResultSet rs =
              s.executeQuery("SELECT count(*) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}'")) {
            rs.next();
            segments = rs.getLong(1);
          }
          Map<String, Double> settings = new HashMap<>();
          try (ResultSet rs = s.executeQuery(SETTINGS)) {
            while (rs.next()) {
              settings.put(rs.getString(1), rs.getDouble(2));
            }
          }
          return new WalDirectory(
              segments,
              settings.getOrDefault("wal_segment_size", 16.0 * 1024 * 1024),
              settings.getOrDefault("min_wal_size", 0.0),
              settings.getOrDefault("max_wal_size", 0.0),
              settings.getOrDefault("wal_keep_size", 0.0),
              settings.getOrDefault("max_slot_wal_keep_size", -1.0));
        });
  }

  @Override
  public ArchiveStatus archiveStatus() throws SQLException {
    return read(
        s -> {
          try (ResultSet rs =
              s.executeQuery(
                  "SELECT count(*) FILTER (WHERE name LIKE '%.ready'),"
                      + " count(*) FILTER (WHERE name LIKE '%.done')"
                      + " FROM pg_ls_archive_statusdir()")) {
            rs.next();
            return new ArchiveStatus(rs.getLong(1), rs.getLong(2));
          }
        });
  }

  @Override
  public SyncReplicas syncReplicas() throws SQLException {
    return read(
        s -> {
          String names;
          try (ResultSet rs =
              s.executeQuery("SELECT current_setting('synchronous_standby_names')")) {
            rs.next();
            names = rs.getString(1);
          }
          int observed;
          try (ResultSet rs =
              s.executeQuery(
                  "SELECT count(*) FROM pg_stat_replication"
                      + " WHERE sync_state IN ('sync', 'quorum')")) {
            rs.next();
            observed = rs.getInt(1);
          }
          return new SyncReplicas(expected(names), observed);
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
        s -> {
          try (ResultSet rs = s.executeQuery("SELECT * FROM pg_stat_wal")) {
            if (!rs.next()) {
              return Optional.empty();
            }
            ResultSetMetaData meta = rs.getMetaData();
            Map<String, Integer> columns = new HashMap<>();
            for (int i = 1; i <= meta.getColumnCount(); i++) {
              columns.put(meta.getColumnName(i).toLowerCase(Locale.ROOT), i);
            }
            List<Double> values = new ArrayList<>();
            for (MetricNames.Name name : MetricNames.STAT_WAL) {
              Integer column = columns.get(name.name().substring("cnpg_collector_".length()));
              values.add(column == null ? null : rs.getDouble(column));
            }
            Integer reset = columns.get("stats_reset");
            String statsReset = reset == null ? "" : rs.getString(reset);
            return Optional.of(new StatWal(statsReset == null ? "" : statsReset, values));
          }
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
