package io.pgwarden.status;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusJsonTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final InstanceIdentity ID =
      new InstanceIdentity("pg-1", "0.1.0", "amd64", "9b2c0e0e-0000-4000-8000-000000000001");

  static PostgresqlStatus primary() {
    PostgresqlStatus.Builder b = new PostgresqlStatus.Builder();
    b.isPrimary = true;
    b.systemId = "7312345678901234567";
    b.currentLsn = "0/15000000";
    b.currentWal = "000000010000000000000015";
    b.timeLineId = 1;
    b.loadedConfigurationHash = "ab\"c";
    b.lastArchivedWalTime = "2026-03-01T12:00:00Z";
    b.replicationInfo =
        List.of(
            new PostgresqlStatus.ReplicationInfo(
                "pg-2",
                "streaming",
                "0/15000000",
                "0/15000000",
                "0/14000000",
                "0/13000000",
                "00:00:00.001",
                "",
                "",
                "async",
                "0"));
    b.replicationSlotsInfo =
        List.of(
            new PostgresqlStatus.ReplicationSlotInfo(
                "_cnpg_pg_2",
                "",
                "physical",
                "",
                "",
                "",
                "",
                "0/15000000",
                "reserved",
                null,
                true));
    return b.build(ID);
  }

  @Test
  void primaryHasTheContractFieldsInCamelCase() throws Exception {
    JsonNode j = JSON.readTree(StatusJson.write(primary()));

    assertThat(j.get("isPrimary").asBoolean()).isTrue();
    assertThat(j.get("systemID").asText()).isEqualTo("7312345678901234567");
    assertThat(j.get("currentLsn").asText()).isEqualTo("0/15000000");
    assertThat(j.get("currentWAL").asText()).isEqualTo("000000010000000000000015");
    assertThat(j.get("timeLineID").asInt()).isEqualTo(1);
    assertThat(j.get("loadedConfigurationHash").asText()).isEqualTo("ab\"c");
    assertThat(j.at("/pod/metadata/name").asText()).isEqualTo("pg-1");
    assertThat(j.get("instanceManagerVersion").asText()).isEqualTo("0.1.0");
    assertThat(j.get("instanceArch").asText()).isEqualTo("amd64");
    assertThat(j.get("sessionID").asText()).isEqualTo(ID.sessionID());
    assertThat(j.get("isPodReady").asBoolean()).isFalse();
    assertThat(j.get("lastArchivedWALTime").asText()).isEqualTo("2026-03-01T12:00:00Z");
    // Go's omitempty: empty strings and zero counts are left out.
    assertThat(j.has("receivedLsn")).isFalse();
    assertThat(j.has("readyWalFiles")).isFalse();
    assertThat(j.has("isArchivingWAL")).isFalse();
    for (String always :
        List.of(
            "replayPaused",
            "pendingRestart",
            "pendingRestartForDecrease",
            "isWalReceiverActive",
            "isPgRewindRunning",
            "mightBeUnavailable")) {
      assertThat(j.get(always).isBoolean()).as(always).isTrue();
    }
    JsonNode replica = j.get("replicationInfo").get(0);
    assertThat(replica.get("applicationName").asText()).isEqualTo("pg-2");
    // CloudNativePG's struct names the sent LSN "receivedLsn" on the wire; both are written.
    assertThat(replica.get("receivedLsn").asText()).isEqualTo("0/15000000");
    assertThat(replica.get("sentLsn").asText()).isEqualTo("0/15000000");
    assertThat(replica.get("replayLsn").asText()).isEqualTo("0/13000000");
    assertThat(replica.has("flushLag")).isFalse();
    JsonNode slot = j.get("replicationSlotsInfo").get(0);
    assertThat(slot.get("slotName").asText()).isEqualTo("_cnpg_pg_2");
    assertThat(slot.get("active").asBoolean()).isTrue();
    assertThat(slot.has("safeWalSize")).isFalse();
  }

  @Test
  void replicaHasReceiveAndReplayLsns() throws Exception {
    PostgresqlStatus.Builder b = new PostgresqlStatus.Builder();
    b.systemId = "1";
    b.receivedLsn = "0/16000000";
    b.replayLsn = "0/15FFFFF0";
    b.replayPaused = true;
    b.isWalReceiverActive = true;
    b.readyWalFiles = 3;

    JsonNode j = JSON.readTree(StatusJson.write(b.build(ID)));

    assertThat(j.get("isPrimary").asBoolean()).isFalse();
    assertThat(j.has("currentLsn")).isFalse();
    assertThat(j.get("receivedLsn").asText()).isEqualTo("0/16000000");
    assertThat(j.get("replayLsn").asText()).isEqualTo("0/15FFFFF0");
    assertThat(j.get("replayPaused").asBoolean()).isTrue();
    assertThat(j.get("isWalReceiverActive").asBoolean()).isTrue();
    assertThat(j.get("readyWalFiles").asInt()).isEqualTo(3);
    assertThat(j.has("replicationInfo")).isFalse();
  }

  /** The JSON the hand-written encoder produced before Jackson, compared by meaning. */
  @Test
  void sameFieldsAndTypesAsTheHandWrittenEncoder() throws Exception {
    PostgresqlStatus.Builder b = new PostgresqlStatus.Builder();
    b.systemId = "1";
    b.receivedLsn = "0/16000000";
    b.replayLsn = "0/15FFFFF0";
    b.replayPaused = true;
    b.isWalReceiverActive = true;
    b.readyWalFiles = 3;
    b.isArchivingWal = true;
    b.replicationSlotsInfo =
        List.of(
            new PostgresqlStatus.ReplicationSlotInfo(
                "s", "p", "logical", "5", "db", "1", "2", "0/1", "lost", 0L, false));
    PostgresqlStatus replica = b.build(new InstanceIdentity("p\u2028\"x", "v", "a", "s"));

    assertThat(JSON.readTree(StatusJson.write(primary())))
        .isEqualTo(
            JSON.readTree(
                "{\"currentLsn\":\"0/15000000\",\"systemID\":\"7312345678901234567\",\"isPrimary\":true,\"replayPaused\":false,\"pendingRestart\":false,\"pendingRestartForDecrease\":false,\"isWalReceiverActive\":false,\"isPgRewindRunning\":false,\"mightBeUnavailable\":false,\"pod\":{\"metadata\":{\"name\":\"pg-1\"}},\"loadedConfigurationHash\":\"ab\\\"c\",\"lastArchivedWALTime\":\"2026-03-01T12:00:00Z\",\"currentWAL\":\"000000010000000000000015\",\"timeLineID\":1,\"replicationInfo\":[{\"applicationName\":\"pg-2\",\"state\":\"streaming\",\"receivedLsn\":\"0/15000000\",\"sentLsn\":\"0/15000000\",\"writeLsn\":\"0/15000000\",\"flushLsn\":\"0/14000000\",\"replayLsn\":\"0/13000000\",\"writeLag\":\"00:00:00.001\",\"syncState\":\"async\",\"syncPriority\":\"0\"}],\"replicationSlotsInfo\":[{\"slotName\":\"_cnpg_pg_2\",\"slotType\":\"physical\",\"restartLsn\":\"0/15000000\",\"walStatus\":\"reserved\",\"active\":true}],\"instanceManagerVersion\":\"0.1.0\",\"instanceArch\":\"amd64\",\"sessionID\":\"9b2c0e0e-0000-4000-8000-000000000001\",\"isPodReady\":false}"));
    assertThat(JSON.readTree(StatusJson.write(replica)))
        .isEqualTo(
            JSON.readTree(
                "{\"receivedLsn\":\"0/16000000\",\"replayLsn\":\"0/15FFFFF0\",\"systemID\":\"1\",\"isPrimary\":false,\"replayPaused\":true,\"pendingRestart\":false,\"pendingRestartForDecrease\":false,\"isWalReceiverActive\":true,\"isPgRewindRunning\":false,\"mightBeUnavailable\":false,\"isArchivingWAL\":true,\"pod\":{\"metadata\":{\"name\":\"p\\u2028\\\"x\"}},\"readyWalFiles\":3,\"replicationSlotsInfo\":[{\"slotName\":\"s\",\"plugin\":\"p\",\"slotType\":\"logical\",\"datoid\":\"5\",\"database\":\"db\",\"xmin\":\"1\",\"catalogXmin\":\"2\",\"restartLsn\":\"0/1\",\"walStatus\":\"lost\",\"safeWalSize\":0}],\"instanceManagerVersion\":\"v\",\"instanceArch\":\"a\",\"sessionID\":\"s\",\"isPodReady\":false}"));
  }

  @Test
  void missingIdentityStringsAreWrittenEmpty() throws Exception {
    PostgresqlStatus.Builder b = new PostgresqlStatus.Builder();
    b.systemId = null;

    JsonNode j =
        JSON.readTree(StatusJson.write(b.build(new InstanceIdentity(null, null, null, null))));

    assertThat(j.get("systemID").asText()).isEmpty();
    assertThat(j.at("/pod/metadata/name").isTextual()).isTrue();
    assertThat(j.get("instanceManagerVersion").asText()).isEmpty();
    assertThat(j.get("instanceArch").asText()).isEmpty();
    assertThat(j.get("sessionID").asText()).isEmpty();
  }

  @Test
  void archTakesGoNames() {
    assertThat(InstanceIdentity.goArch("amd64")).isEqualTo("amd64");
    assertThat(InstanceIdentity.goArch("x86_64")).isEqualTo("amd64");
    assertThat(InstanceIdentity.goArch("aarch64")).isEqualTo("arm64");
    assertThat(InstanceIdentity.of("p").sessionID())
        .isNotEqualTo(InstanceIdentity.of("p").sessionID());
  }

  @Test
  void timesAreRfc3339InUtc() {
    assertThat(
            StatusQueries.rfc3339(java.time.OffsetDateTime.parse("2026-03-01T13:00:00.123+01:00")))
        .isEqualTo("2026-03-01T12:00:00Z");
    assertThat(StatusQueries.rfc3339(null)).isEmpty();
  }
}
