package io.pgwarden.metrics;

import java.sql.SQLException;
import java.util.Arrays;
import java.util.Optional;

/** Postgres as the built-in collector reads it, without a server; {@code down} fails everything. */
final class FakeReadings implements PostgresReadings {
  volatile boolean down;
  volatile boolean archiveFails;
  volatile int versionNum = 150018;

  /**
   * wal_segment_size, min_wal_size, max_wal_size, wal_keep_size, max_slot_wal_keep_size as postgres
   * prints them, parsed as {@link JdbcReadings} parses them.
   */
  volatile String[] walSettings = {"16MB", "80MB", "1GB", "0", "-1"};

  private void check() throws SQLException {
    if (down) {
      throw new SQLException("connection refused", "08001");
    }
  }

  @Override
  public void ping() throws SQLException {
    check();
  }

  @Override
  public int versionNum() throws SQLException {
    check();
    return versionNum;
  }

  @Override
  public WalDirectory walDirectory() throws SQLException {
    check();
    String[] s = walSettings;
    return ReadingStatements.walDirectory(5, s[0], s[1], s[2], s[3], s[4]);
  }

  @Override
  public ArchiveStatus archiveStatus() throws SQLException {
    check();
    if (archiveFails) {
      throw new SQLException("permission denied for function pg_ls_archive_statusdir", "42501");
    }
    return new ArchiveStatus(2, 7);
  }

  @Override
  public SyncReplicas syncReplicas() throws SQLException {
    check();
    return new SyncReplicas(0, 0);
  }

  @Override
  public Optional<StatWal> statWal() throws SQLException {
    check();
    return Optional.of(
        new StatWal(
            "2026-01-01 00:00:00+00",
            Arrays.asList(10.0, 2.0, 4096.0, 0.0, null, null, null, null)));
  }
}
