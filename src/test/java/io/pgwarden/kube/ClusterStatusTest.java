package io.pgwarden.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ClusterStatusTest {
  private static final Instant NOW = Instant.parse("2026-11-23T10:15:30.123456Z");
  private static final InstanceState READY_PRIMARY = new InstanceState(true, true, 1, Set.of());

  @SuppressWarnings("unchecked")
  private static Map<String, Object> status(Map<String, Object> patch) {
    return (Map<String, Object>) patch.get("status");
  }

  @Test
  void aReadyPrimaryOfANewClusterBecomesCurrentPrimaryAndHealthy() {
    Map<String, Object> patch =
        ClusterStatus.patch("db-1", READY_PRIMARY, Map.of(), "7", NOW).get();
    assertThat(patch.get("metadata")).isEqualTo(Map.of("resourceVersion", "7"));
    Map<String, Object> s = status(patch);
    assertThat(s)
        .containsEntry("currentPrimary", "db-1")
        .containsEntry("currentPrimaryTimestamp", "2026-11-23T10:15:30.123456Z")
        .containsEntry("targetPrimary", "db-1")
        .containsEntry("readyInstances", 1)
        .containsEntry("instancesStatus", Map.of("healthy", List.of("db-1")))
        .containsEntry(
            "instancesReportedState", Map.of("db-1", Map.of("isPrimary", true, "timeLineID", 1L)));
  }

  @Test
  void anExistingPrimaryIsLeftAloneAndOtherInstancesAreKept() {
    Map<String, Object> current =
        Map.of(
            "currentPrimary",
            "db-2",
            "targetPrimary",
            "db-2",
            "instancesStatus",
            Map.of("healthy", List.of("db-2"), "failed", List.of("db-1")),
            "readyInstances",
            1);
    Map<String, Object> s =
        status(ClusterStatus.patch("db-1", READY_PRIMARY, current, "9", NOW).get());
    assertThat(s).doesNotContainKeys("currentPrimary", "targetPrimary");
    Map<String, Object> lists = ClusterStatus.map(s.get("instancesStatus"));
    assertThat(lists.get("healthy")).isEqualTo(List.of("db-1", "db-2"));
    assertThat(lists).containsKey("failed");
    assertThat(lists.get("failed")).isNull(); // merge patch: the emptied list is removed
    assertThat(s).containsEntry("readyInstances", 2);
  }

  @Test
  void notReadyMovesTheInstanceToFailed() {
    Map<String, Object> current =
        Map.of("instancesStatus", Map.of("healthy", List.of("db-1")), "readyInstances", 1);
    Map<String, Object> s =
        status(
            ClusterStatus.patch(
                    "db-1", new InstanceState(false, true, 1, Set.of()), current, "3", NOW)
                .get());
    assertThat(ClusterStatus.map(s.get("instancesStatus")))
        .containsEntry("failed", List.of("db-1"))
        .containsKey("healthy");
    assertThat(s).containsEntry("readyInstances", 0).doesNotContainKey("currentPrimary");
  }

  @Test
  void nothingToSayGivesNoPatch() {
    Map<String, Object> current =
        Map.of(
            "currentPrimary",
            "db-1",
            "targetPrimary",
            "db-1",
            "instancesStatus",
            Map.of("healthy", List.of("db-1")),
            "readyInstances",
            1,
            "instancesReportedState",
            Map.of("db-1", Map.of("isPrimary", true, "timeLineID", 1)));
    assertThat(ClusterStatus.patch("db-1", READY_PRIMARY, current, "5", NOW)).isEmpty();
  }

  @Test
  void aPendingRestartSetsTheApplyingPhaseAndItsEndRestoresHealthy() {
    InstanceState pending =
        READY_PRIMARY.withPendingRestart(Set.of("shared_buffers", "max_wal_senders"));
    Map<String, Object> s = status(ClusterStatus.patch("db-1", pending, Map.of(), "1", NOW).get());
    assertThat(s)
        .containsEntry("phase", "Applying configuration")
        .containsEntry("phaseReason", "restart required to apply: max_wal_senders, shared_buffers");

    Map<String, Object> applying = applying("restart required to apply: shared_buffers");
    Map<String, Object> back =
        status(ClusterStatus.patch("db-1", READY_PRIMARY, applying, "2", NOW).get());
    assertThat(back).containsEntry("phase", "Cluster in healthy state").containsKey("phaseReason");
    assertThat(back.get("phaseReason")).isNull();
  }

  @Test
  void theOperatorsOwnApplyingPhaseIsNotTouched() {
    Map<String, Object> current = applying("the operator's own reason");
    assertThat(ClusterStatus.patch("db-1", READY_PRIMARY, current, "4", NOW)).isEmpty();
  }

  /** The status of this ready primary, already reported, in phase "Applying configuration". */
  private static Map<String, Object> applying(String phaseReason) {
    return Map.of(
        "currentPrimary",
        "db-1",
        "targetPrimary",
        "db-1",
        "instancesStatus",
        Map.of("healthy", List.of("db-1")),
        "readyInstances",
        1,
        "instancesReportedState",
        Map.of("db-1", Map.of("isPrimary", true, "timeLineID", 1)),
        "phase",
        "Applying configuration",
        "phaseReason",
        phaseReason);
  }
}
