package io.pgwarden.kube;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The merge patch that brings the Cluster's status in line with this instance, computed from the
 * status as read: the instance under {@code healthy} or {@code failed} in {@code instancesStatus}
 * and {@code readyInstances}, its {@code instancesReportedState}, {@code currentPrimary} when none
 * is set and this instance is a ready primary, and {@code phase} {@code Applying configuration}
 * while a restart is pending. The patch carries the {@code resourceVersion} it was computed from,
 * so the API server refuses it (409) if the status changed meanwhile.
 */
final class ClusterStatus {
  static final String PHASE_APPLYING = "Applying configuration";
  static final String PHASE_HEALTHY = "Cluster in healthy state";
  static final String RESTART_REASON = "restart required to apply: ";
  private static final String HEALTHY = "healthy";
  private static final String FAILED = "failed";
  private static final DateTimeFormatter TIMESTAMP =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSS'Z'").withZone(ZoneOffset.UTC);

  private ClusterStatus() {}

  /**
   * The patch, or empty when the status already says all of it.
   *
   * @param status the Cluster's {@code status} as read (may be empty)
   * @param resourceVersion the Cluster's {@code metadata.resourceVersion} as read
   */
  static Optional<Map<String, Object>> patch(
      String pod,
      InstanceState state,
      Map<String, Object> status,
      String resourceVersion,
      Instant now) {
    Map<String, Object> out = new LinkedHashMap<>();
    instances(pod, state, status, out);
    if (state.ready()) {
      Map<String, Object> reported = new LinkedHashMap<>();
      reported.put("isPrimary", state.primary());
      reported.put("timeLineID", state.timeline());
      Map<String, Object> current = map(status.get("instancesReportedState"));
      if (!sameReported(reported, map(current.get(pod)))) {
        out.put("instancesReportedState", Map.of(pod, reported));
      }
    }
    if (state.ready() && state.primary() && text(status.get("currentPrimary")).isEmpty()) {
      String at = TIMESTAMP.format(now);
      out.put("currentPrimary", pod);
      out.put("currentPrimaryTimestamp", at);
      if (text(status.get("targetPrimary")).isEmpty()) {
        out.put("targetPrimary", pod);
        out.put("targetPrimaryTimestamp", at);
      }
    }
    phase(state, status, out);
    if (out.isEmpty()) {
      return Optional.empty();
    }
    Map<String, Object> patch = new LinkedHashMap<>();
    patch.put("metadata", Map.of("resourceVersion", resourceVersion));
    patch.put("status", out);
    return Optional.of(patch);
  }

  private static void instances(
      String pod, InstanceState state, Map<String, Object> status, Map<String, Object> out) {
    Map<String, Object> lists = map(status.get("instancesStatus"));
    String home = state.ready() ? HEALTHY : FAILED;
    Map<String, Object> changed = new LinkedHashMap<>();
    for (Map.Entry<String, Object> e : lists.entrySet()) {
      List<String> names = strings(e.getValue());
      if (!e.getKey().equals(home) && names.contains(pod)) {
        names.remove(pod);
        changed.put(e.getKey(), names.isEmpty() ? null : names);
      }
    }
    List<String> homeList = strings(lists.get(home));
    if (!homeList.contains(pod)) {
      homeList.add(pod);
      homeList = new ArrayList<>(new TreeSet<>(homeList));
      changed.put(home, homeList);
    }
    if (!changed.isEmpty()) {
      out.put("instancesStatus", changed);
    }
    List<String> healthy =
        HEALTHY.equals(home)
            ? homeList
            : changed.containsKey(HEALTHY)
                ? strings(changed.get(HEALTHY))
                : strings(lists.get(HEALTHY));
    Object ready = status.get("readyInstances");
    if (!(ready instanceof Number n) || n.intValue() != healthy.size()) {
      out.put("readyInstances", healthy.size());
    }
  }

  private static void phase(
      InstanceState state, Map<String, Object> status, Map<String, Object> out) {
    String phase = text(status.get("phase"));
    String reason = text(status.get("phaseReason"));
    if (!state.pendingRestart().isEmpty()) {
      String wanted = RESTART_REASON + String.join(", ", new TreeSet<>(state.pendingRestart()));
      if (!PHASE_APPLYING.equals(phase) || !wanted.equals(reason)) {
        out.put("phase", PHASE_APPLYING);
        out.put("phaseReason", wanted);
      }
    } else if (PHASE_APPLYING.equals(phase) && reason.startsWith(RESTART_REASON)) {
      // Our own phase, and nothing waits any more: the operator's usual phase back.
      out.put("phase", PHASE_HEALTHY);
      out.put("phaseReason", null);
    }
  }

  private static boolean sameReported(Map<String, Object> wanted, Map<String, Object> current) {
    return Objects.equals(wanted.get("isPrimary"), current.get("isPrimary"))
        && current.get("timeLineID") instanceof Number n
        && n.longValue() == ((Number) wanted.get("timeLineID")).longValue();
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object o) {
    return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static List<String> strings(Object o) {
    List<String> out = new ArrayList<>();
    if (o instanceof List<?> l) {
      for (Object x : l) {
        if (x instanceof String s) {
          out.add(s);
        }
      }
    }
    return out;
  }

  private static String text(Object o) {
    return o instanceof String s ? s : "";
  }
}
