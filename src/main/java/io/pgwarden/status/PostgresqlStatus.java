package io.pgwarden.status;

import java.util.List;

/**
 * One instance's status, field for field the JSON of CloudNativePG's {@code PostgresqlStatus}
 * (pkg/postgres/status.go) that the operator decodes from {@code /pg/status}. LSNs are postgres's
 * text form ({@code 0/15000000}); an empty string means "not known here" (a replica has no {@code
 * currentLsn}, a primary no {@code receivedLsn}) and is left out of the JSON as Go's {@code
 * omitempty} would.
 *
 * @param podName written as {@code pod: {"metadata": {"name": …}}}
 * @param isPodReady always false: only the operator knows the kubelet's view
 */
public record PostgresqlStatus(
    String currentLsn,
    String receivedLsn,
    String replayLsn,
    String systemID,
    boolean isPrimary,
    boolean replayPaused,
    boolean pendingRestart,
    boolean pendingRestartForDecrease,
    boolean isWalReceiverActive,
    boolean isPgRewindRunning,
    boolean mightBeUnavailable,
    boolean isArchivingWAL,
    String podName,
    String loadedConfigurationHash,
    String lastArchivedWAL,
    String lastArchivedWALTime,
    String lastFailedWAL,
    String lastFailedWALTime,
    String currentWAL,
    int readyWalFiles,
    int timeLineID,
    List<ReplicationInfo> replicationInfo,
    List<ReplicationSlotInfo> replicationSlotsInfo,
    String instanceManagerVersion,
    String instanceArch,
    String sessionID,
    boolean isPodReady) {

  public PostgresqlStatus {
    replicationInfo = List.copyOf(replicationInfo);
    replicationSlotsInfo = List.copyOf(replicationSlotsInfo);
  }

  /**
   * A row of {@code pg_stat_replication} on a primary. {@code sentLsn} goes out as {@code
   * receivedLsn} too: that is the JSON name CloudNativePG's Go struct gives it.
   */
  public record ReplicationInfo(
      String applicationName,
      String state,
      String sentLsn,
      String writeLsn,
      String flushLsn,
      String replayLsn,
      String writeLag,
      String flushLag,
      String replayLag,
      String syncState,
      String syncPriority) {}

  /**
   * A row of {@code pg_replication_slots}.
   *
   * @param safeWalSize null when postgres reports none ({@code max_slot_wal_keep_size = -1})
   */
  public record ReplicationSlotInfo(
      String slotName,
      String plugin,
      String slotType,
      String datoid,
      String database,
      String xmin,
      String catalogXmin,
      String restartLsn,
      String walStatus,
      Long safeWalSize,
      boolean active) {}

  /** A mutable collector of the fields, filled by {@link StatusQueries} and tests. */
  static final class Builder {
    String currentLsn = "";
    String receivedLsn = "";
    String replayLsn = "";
    String systemId = "";
    boolean isPrimary;
    boolean replayPaused;
    boolean pendingRestart;
    boolean isWalReceiverActive;
    boolean isArchivingWal;
    String loadedConfigurationHash = "";
    String lastArchivedWal = "";
    String lastArchivedWalTime = "";
    String lastFailedWal = "";
    String lastFailedWalTime = "";
    String currentWal = "";
    int readyWalFiles;
    int timeLineId;
    List<ReplicationInfo> replicationInfo = List.of();
    List<ReplicationSlotInfo> replicationSlotsInfo = List.of();

    PostgresqlStatus build(InstanceIdentity identity) {
      return new PostgresqlStatus(
          currentLsn,
          receivedLsn,
          replayLsn,
          systemId,
          isPrimary,
          replayPaused,
          pendingRestart,
          false,
          isWalReceiverActive,
          false,
          false,
          isArchivingWal,
          identity.podName(),
          loadedConfigurationHash,
          lastArchivedWal,
          lastArchivedWalTime,
          lastFailedWal,
          lastFailedWalTime,
          currentWal,
          readyWalFiles,
          timeLineId,
          replicationInfo,
          replicationSlotsInfo,
          identity.instanceManagerVersion(),
          identity.instanceArch(),
          identity.sessionID(),
          false);
    }
  }
}
