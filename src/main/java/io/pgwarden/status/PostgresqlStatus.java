package io.pgwarden.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.List;

/**
 * One instance's status, field for field the JSON of CloudNativePG's {@code PostgresqlStatus}
 * (pkg/postgres/status.go) that the operator decodes from {@code /pg/status}: each component is
 * named as its JSON field, and {@link StatusJson} writes the record with Jackson. LSNs are
 * postgres's text form ({@code 0/15000000}); an empty string means "not known here" (a replica has
 * no {@code currentLsn}, a primary no {@code receivedLsn}).
 *
 * <p>Go's {@code omitempty} is {@link Include#NON_EMPTY} for strings and lists (left out when null
 * or empty) and {@link Include#NON_DEFAULT} for the numbers and booleans Go omits at zero or false;
 * the fields Go always writes are always written ({@code systemID} and the identity strings as
 * {@code ""} rather than null).
 *
 * @param pod written as {@code pod: {"metadata": {"name": …}}}, the part of the Go {@code
 *     corev1.Pod} the instance manager fills
 * @param isPodReady always false: only the operator knows the kubelet's view
 */
@JsonInclude(Include.NON_EMPTY)
public record PostgresqlStatus(
    String currentLsn,
    String receivedLsn,
    String replayLsn,
    @JsonInclude(Include.ALWAYS) String systemID,
    boolean isPrimary,
    boolean replayPaused,
    boolean pendingRestart,
    boolean pendingRestartForDecrease,
    boolean isWalReceiverActive,
    boolean isPgRewindRunning,
    boolean mightBeUnavailable,
    @JsonInclude(Include.NON_DEFAULT) boolean isArchivingWAL,
    Pod pod,
    String loadedConfigurationHash,
    String lastArchivedWAL,
    String lastArchivedWALTime,
    String lastFailedWAL,
    String lastFailedWALTime,
    String currentWAL,
    @JsonInclude(Include.NON_DEFAULT) int readyWalFiles,
    @JsonInclude(Include.NON_DEFAULT) int timeLineID,
    List<ReplicationInfo> replicationInfo,
    List<ReplicationSlotInfo> replicationSlotsInfo,
    @JsonInclude(Include.ALWAYS) String instanceManagerVersion,
    @JsonInclude(Include.ALWAYS) String instanceArch,
    @JsonInclude(Include.ALWAYS) String sessionID,
    boolean isPodReady) {

  public PostgresqlStatus {
    systemID = orEmpty(systemID);
    instanceManagerVersion = orEmpty(instanceManagerVersion);
    instanceArch = orEmpty(instanceArch);
    sessionID = orEmpty(sessionID);
    replicationInfo = List.copyOf(replicationInfo);
    replicationSlotsInfo = List.copyOf(replicationSlotsInfo);
  }

  private static String orEmpty(String value) {
    return value == null ? "" : value;
  }

  /** The pod as the status names it: {@code {"metadata": {"name": …}}}. */
  public record Pod(Metadata metadata) {
    /** The pod called {@code name}. */
    public static Pod named(String name) {
      return new Pod(new Metadata(name));
    }
  }

  /** The one field of a pod's {@code metadata} the instance manager writes. */
  @JsonInclude(Include.ALWAYS)
  public record Metadata(String name) {
    public Metadata {
      name = orEmpty(name);
    }
  }

  /**
   * A row of {@code pg_stat_replication} on a primary. {@code sentLsn} goes out as {@code
   * receivedLsn} too: that is the JSON name CloudNativePG's Go struct gives it.
   */
  @JsonInclude(Include.NON_EMPTY)
  @JsonPropertyOrder({"applicationName", "state", "receivedLsn", "sentLsn"})
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
      String syncPriority) {

    /** {@link #sentLsn()} under CloudNativePG's JSON name for it. */
    @JsonProperty("receivedLsn")
    public String receivedLsn() {
      return sentLsn;
    }
  }

  /**
   * A row of {@code pg_replication_slots}.
   *
   * @param safeWalSize null when postgres reports none ({@code max_slot_wal_keep_size = -1}), and
   *     then left out; 0 is written
   */
  @JsonInclude(Include.NON_EMPTY)
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
      @JsonInclude(Include.NON_DEFAULT) boolean active) {}

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
          Pod.named(identity.podName()),
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
