package io.pgwarden.metrics;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * What the built-in metrics read from postgres, one method per CloudNativePG collector, so that
 * {@link BuiltinCollector} is tested without a server. Each call may fail on its own; {@link
 * #ping()} failing means postgres is down. {@link #readAll} takes a scrape's readings at once.
 */
interface PostgresReadings {
  /**
   * Every reading of a scrape, each with its outcome and its time: the ping and, when postgres
   * answers, the archive status, the WAL directory, the synchronous replicas, the version and, from
   * PostgreSQL 14, {@code pg_stat_wal}. This default takes them one after the other, timed with
   * {@code nanoTime}; {@link JdbcReadings} sends them together.
   */
  default Readings readAll(LongSupplier nanoTime) {
    Reading<Boolean> ping =
        Reading.take(
            nanoTime,
            () -> {
              ping();
              return true;
            });
    if (ping.error() != null) {
      return new Readings(ping, null, null, null, null, null);
    }
    Reading<ArchiveStatus> archive = Reading.take(nanoTime, this::archiveStatus);
    Reading<WalDirectory> wal = Reading.take(nanoTime, this::walDirectory);
    Reading<SyncReplicas> sync = Reading.take(nanoTime, this::syncReplicas);
    Reading<Integer> version = Reading.take(nanoTime, this::versionNum);
    Reading<Optional<StatWal>> statWal =
        version.error() == null && version.value() >= 140000
            ? Reading.take(nanoTime, this::statWal)
            : null;
    return new Readings(ping, archive, wal, sync, version, statWal);
  }

  /** A reading that is not there yet: fails with an {@code SQLException}. */
  @FunctionalInterface
  interface Take<T> {
    T get() throws SQLException;
  }

  /**
   * One reading: its value, or the error it failed with (an {@code SQLException}, or a {@code
   * RuntimeException} for a value that cannot be read), and how long it took.
   */
  @SuppressFBWarnings(
      value = "EI_EXPOSE_REP",
      justification = "the error is handed on as it came, to be reported")
  record Reading<T>(T value, Exception error, long nanos) {
    @SuppressFBWarnings(
        value = "EI_EXPOSE_REP2",
        justification = "the error is handed on as it came, to be reported")
    public Reading {}

    static <T> Reading<T> take(LongSupplier nanoTime, Take<T> take) {
      long start = nanoTime.getAsLong();
      try {
        T value = take.get();
        return new Reading<>(value, null, nanoTime.getAsLong() - start);
      } catch (SQLException | RuntimeException e) {
        return new Reading<>(null, e, nanoTime.getAsLong() - start);
      }
    }
  }

  /**
   * A scrape's readings, in CloudNativePG's order; all but {@code ping} are {@code null} when it
   * failed, and {@code statWal} is {@code null} before PostgreSQL 14 or without a version.
   */
  record Readings(
      Reading<Boolean> ping,
      Reading<ArchiveStatus> archive,
      Reading<WalDirectory> wal,
      Reading<SyncReplicas> sync,
      Reading<Integer> version,
      Reading<Optional<StatWal>> statWal) {}

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
