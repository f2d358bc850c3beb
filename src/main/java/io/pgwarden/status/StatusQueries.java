package io.pgwarden.status;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.OffsetDateTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * Computes {@link PostgresqlStatus} from a connection as {@code postgres}, in one read-only
 * transaction bounded by a statement timeout, so a busy server cannot hold the status thread. The
 * connection is left as it was found (autocommit on) and the transaction always rolled back.
 */
public final class StatusQueries {
  /** Bounds each statement; the operator gives up on {@code /pg/status} after 30 s. */
  static final String STATEMENT_TIMEOUT = "5s";

  private static final String COMMON =
      "SELECT pg_is_in_recovery(),"
          + " (SELECT system_identifier::text FROM pg_control_system()),"
          + " EXISTS (SELECT 1 FROM pg_settings WHERE pending_restart),"
          + " coalesce(current_setting('cnpg.config_sha256', true), ''),"
          + " (SELECT timeline_id FROM pg_control_checkpoint()),"
          + " current_setting('archive_mode') <> 'off',"
          + " (SELECT count(*) FROM pg_ls_archive_statusdir() WHERE name LIKE '%.ready')";

  private static final String PRIMARY =
      "SELECT pg_current_wal_lsn()::text, pg_walfile_name(pg_current_wal_lsn())";

  private static final String ARCHIVER =
      "SELECT coalesce(last_archived_wal, ''), last_archived_time,"
          + " coalesce(last_failed_wal, ''), last_failed_time FROM pg_stat_archiver";

  private static final String REPLICATION =
      "SELECT coalesce(application_name, ''), coalesce(state, ''), coalesce(sent_lsn::text, ''),"
          + " coalesce(write_lsn::text, ''), coalesce(flush_lsn::text, ''),"
          + " coalesce(replay_lsn::text, ''), coalesce(write_lag::text, ''),"
          + " coalesce(flush_lag::text, ''), coalesce(replay_lag::text, ''),"
          + " coalesce(sync_state, ''), coalesce(sync_priority::text, '')"
          + " FROM pg_stat_replication WHERE application_name <> '' ORDER BY application_name";

  private static final String SLOTS =
      "SELECT slot_name, coalesce(plugin, ''), slot_type, coalesce(datoid::text, ''),"
          + " coalesce(database, ''), coalesce(xmin::text, ''), coalesce(catalog_xmin::text, ''),"
          + " coalesce(restart_lsn::text, ''), coalesce(wal_status, ''), safe_wal_size, active"
          + " FROM pg_replication_slots ORDER BY slot_name";

  private static final String REPLICA =
      "SELECT coalesce(pg_last_wal_receive_lsn()::text, ''),"
          + " coalesce(pg_last_wal_replay_lsn()::text, ''), pg_is_wal_replay_paused(),"
          + " EXISTS (SELECT 1 FROM pg_stat_wal_receiver WHERE status = 'streaming')";

  private StatusQueries() {}

  /** The status now; throws when postgres cannot be queried. */
  public static PostgresqlStatus compute(Connection connection, InstanceIdentity identity)
      throws SQLException {
    PostgresqlStatus.Builder b = new PostgresqlStatus.Builder();
    connection.setAutoCommit(false);
    try (Statement st = connection.createStatement()) {
      st.execute("SET TRANSACTION READ ONLY");
      st.execute("SET LOCAL statement_timeout = '" + STATEMENT_TIMEOUT + "'");
      try (ResultSet rs = st.executeQuery(COMMON)) {
        rs.next();
        b.isPrimary = !rs.getBoolean(1);
        b.systemId = rs.getString(2);
        b.pendingRestart = rs.getBoolean(3);
        b.loadedConfigurationHash = rs.getString(4);
        b.timeLineId = rs.getInt(5);
        b.isArchivingWal = rs.getBoolean(6);
        b.readyWalFiles = rs.getInt(7);
      }
      if (b.isPrimary) {
        primary(st, b);
      } else {
        replica(st, b);
      }
    } finally {
      try {
        connection.rollback();
      } finally {
        connection.setAutoCommit(true);
      }
    }
    return b.build(identity);
  }

  private static void primary(Statement st, PostgresqlStatus.Builder b) throws SQLException {
    try (ResultSet rs = st.executeQuery(PRIMARY)) {
      rs.next();
      b.currentLsn = rs.getString(1);
      b.currentWal = rs.getString(2);
    }
    try (ResultSet rs = st.executeQuery(ARCHIVER)) {
      rs.next();
      b.lastArchivedWal = rs.getString(1);
      b.lastArchivedWalTime = rfc3339(rs.getObject(2, OffsetDateTime.class));
      b.lastFailedWal = rs.getString(3);
      b.lastFailedWalTime = rfc3339(rs.getObject(4, OffsetDateTime.class));
    }
    List<PostgresqlStatus.ReplicationInfo> replication = new ArrayList<>();
    try (ResultSet rs = st.executeQuery(REPLICATION)) {
      while (rs.next()) {
        replication.add(
            new PostgresqlStatus.ReplicationInfo(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                rs.getString(8),
                rs.getString(9),
                rs.getString(10),
                rs.getString(11)));
      }
    }
    b.replicationInfo = replication;
    List<PostgresqlStatus.ReplicationSlotInfo> slots = new ArrayList<>();
    try (ResultSet rs = st.executeQuery(SLOTS)) {
      while (rs.next()) {
        slots.add(
            new PostgresqlStatus.ReplicationSlotInfo(
                rs.getString(1),
                rs.getString(2),
                rs.getString(3),
                rs.getString(4),
                rs.getString(5),
                rs.getString(6),
                rs.getString(7),
                rs.getString(8),
                rs.getString(9),
                rs.getObject(10, Long.class),
                rs.getBoolean(11)));
      }
    }
    b.replicationSlotsInfo = slots;
  }

  private static void replica(Statement st, PostgresqlStatus.Builder b) throws SQLException {
    try (ResultSet rs = st.executeQuery(REPLICA)) {
      rs.next();
      b.receivedLsn = rs.getString(1);
      b.replayLsn = rs.getString(2);
      b.replayPaused = rs.getBoolean(3);
      b.isWalReceiverActive = rs.getBoolean(4);
    }
  }

  /** Go's {@code time.RFC3339}: seconds, UTC as {@code Z}; empty for null. */
  static String rfc3339(OffsetDateTime time) {
    return time == null ? "" : time.toInstant().truncatedTo(ChronoUnit.SECONDS).toString();
  }
}
