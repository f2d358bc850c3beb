package io.pgwarden.status;

import io.pgwarden.logs.JsonText;
import java.util.List;

/**
 * Writes {@link PostgresqlStatus} as the JSON the operator decodes. Fields Go marks {@code
 * omitempty} are left out when empty, zero or false; the others are always present.
 */
public final class StatusJson {
  private StatusJson() {}

  /** The status as one JSON object. */
  public static String write(PostgresqlStatus s) {
    Obj o = new Obj();
    o.optional("currentLsn", s.currentLsn())
        .optional("receivedLsn", s.receivedLsn())
        .optional("replayLsn", s.replayLsn())
        .string("systemID", s.systemID())
        .bool("isPrimary", s.isPrimary())
        .bool("replayPaused", s.replayPaused())
        .bool("pendingRestart", s.pendingRestart())
        .bool("pendingRestartForDecrease", s.pendingRestartForDecrease())
        .bool("isWalReceiverActive", s.isWalReceiverActive())
        .bool("isPgRewindRunning", s.isPgRewindRunning())
        .bool("mightBeUnavailable", s.mightBeUnavailable());
    if (s.isArchivingWAL()) {
      o.bool("isArchivingWAL", true);
    }
    o.raw("pod", "{\"metadata\":{\"name\":" + JsonText.quote(s.podName()) + "}}")
        .optional("loadedConfigurationHash", s.loadedConfigurationHash())
        .optional("lastArchivedWAL", s.lastArchivedWAL())
        .optional("lastArchivedWALTime", s.lastArchivedWALTime())
        .optional("lastFailedWAL", s.lastFailedWAL())
        .optional("lastFailedWALTime", s.lastFailedWALTime())
        .optional("currentWAL", s.currentWAL())
        .positive("readyWalFiles", s.readyWalFiles())
        .positive("timeLineID", s.timeLineID());
    if (!s.replicationInfo().isEmpty()) {
      o.raw("replicationInfo", array(s.replicationInfo().stream().map(StatusJson::write).toList()));
    }
    if (!s.replicationSlotsInfo().isEmpty()) {
      o.raw(
          "replicationSlotsInfo",
          array(s.replicationSlotsInfo().stream().map(StatusJson::write).toList()));
    }
    return o.string("instanceManagerVersion", s.instanceManagerVersion())
        .string("instanceArch", s.instanceArch())
        .string("sessionID", s.sessionID())
        .bool("isPodReady", s.isPodReady())
        .close();
  }

  static String write(PostgresqlStatus.ReplicationInfo r) {
    return new Obj()
        .optional("applicationName", r.applicationName())
        .optional("state", r.state())
        .optional("receivedLsn", r.sentLsn())
        .optional("sentLsn", r.sentLsn())
        .optional("writeLsn", r.writeLsn())
        .optional("flushLsn", r.flushLsn())
        .optional("replayLsn", r.replayLsn())
        .optional("writeLag", r.writeLag())
        .optional("flushLag", r.flushLag())
        .optional("replayLag", r.replayLag())
        .optional("syncState", r.syncState())
        .optional("syncPriority", r.syncPriority())
        .close();
  }

  static String write(PostgresqlStatus.ReplicationSlotInfo r) {
    Obj o =
        new Obj()
            .optional("slotName", r.slotName())
            .optional("plugin", r.plugin())
            .optional("slotType", r.slotType())
            .optional("datoid", r.datoid())
            .optional("database", r.database())
            .optional("xmin", r.xmin())
            .optional("catalogXmin", r.catalogXmin())
            .optional("restartLsn", r.restartLsn())
            .optional("walStatus", r.walStatus());
    if (r.safeWalSize() != null) {
      o.raw("safeWalSize", Long.toString(r.safeWalSize()));
    }
    if (r.active()) {
      o.bool("active", true);
    }
    return o.close();
  }

  private static String array(List<String> objects) {
    return "[" + String.join(",", objects) + "]";
  }

  /** A JSON object written field by field. */
  private static final class Obj {
    private final StringBuilder out = new StringBuilder(512).append('{');

    Obj raw(String name, String json) {
      if (out.length() > 1) {
        out.append(',');
      }
      JsonText.appendString(out, name).append(':').append(json);
      return this;
    }

    Obj string(String name, String value) {
      return raw(name, JsonText.quote(value == null ? "" : value));
    }

    Obj optional(String name, String value) {
      return value == null || value.isEmpty() ? this : string(name, value);
    }

    Obj bool(String name, boolean value) {
      return raw(name, Boolean.toString(value));
    }

    Obj positive(String name, int value) {
      return value == 0 ? this : raw(name, Integer.toString(value));
    }

    String close() {
      return out.append('}').toString();
    }
  }
}
