package io.pgwarden.metrics;

import java.sql.SQLException;
import java.util.List;
import java.util.Optional;

/**
 * What the built-in metrics read from postgres, one method per CloudNativePG collector, so that
 * {@link BuiltinCollector} is tested without a server. Each call may fail on its own; {@link
 * #ping()} failing means postgres is down.
 */
interface PostgresReadings {
  /** Checks that postgres answers. */
  void ping() throws SQLException;

  /** {@code server_version_num}, e.g. 150018. */
  int versionNum() throws SQLException;

  /** WAL segment files in {@code pg_wal} and the settings that size it. */
  WalDirectory walDirectory() throws SQLException;

  /** Files in {@code pg_wal/archive_status}. */
  ArchiveStatus archiveStatus() throws SQLException;

  /** Synchronous replication: requested and observed. */
  SyncReplicas syncReplicas() throws SQLException;

  /** {@code pg_stat_wal}; empty before PostgreSQL 14. */
  Optional<StatWal> statWal() throws SQLException;

  /**
   * The WAL directory and its sizing settings.
   *
   * @param segments WAL segment files ({@code ^[0-9A-F]{24}})
   * @param segmentSize {@code wal_segment_size}, bytes
   * @param minWalSize {@code min_wal_size}, bytes
   * @param maxWalSize {@code max_wal_size}, bytes
   * @param keepSize {@code wal_keep_size}, bytes
   * @param maxSlotKeepSize {@code max_slot_wal_keep_size}, bytes; negative when unlimited
   */
  record WalDirectory(
      long segments,
      double segmentSize,
      double minWalSize,
      double maxWalSize,
      double keepSize,
      double maxSlotKeepSize) {}

  /** {@code .ready} and {@code .done} files. */
  record ArchiveStatus(long ready, long done) {}

  /**
   * Synchronous standbys, requested and seen.
   *
   * @param expected the number {@code synchronous_standby_names} asks for; 0 when empty
   * @param observed standbys in {@code pg_stat_replication} with {@code sync_state} sync or quorum
   */
  record SyncReplicas(int expected, int observed) {}

  /**
   * The row of {@code pg_stat_wal}.
   *
   * @param statsReset {@code stats_reset}, as postgres prints it
   * @param columns the values of {@link MetricNames#STAT_WAL}'s columns, null where this version of
   *     postgres has no such column
   */
  record StatWal(String statsReset, List<Double> columns) {
    public StatWal {
      columns = java.util.Collections.unmodifiableList(new java.util.ArrayList<>(columns));
    }
  }
}
