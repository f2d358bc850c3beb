package io.pgwarden.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** {@code spec.monitoring}: the query files for metrics. */
@JsonIgnoreProperties({"enablePodMonitor", "podMonitorMetricRelabelings", "podMonitorRelabelings"})
public record MonitoringSpec(
    Boolean disableDefaultQueries,
    List<KeyRef> customQueriesConfigMap,
    List<KeyRef> customQueriesSecret,
    TlsSpec tls,
    String metricsQueriesTTL) {
  public MonitoringSpec {
    disableDefaultQueries = disableDefaultQueries != null && disableDefaultQueries;
    customQueriesConfigMap =
        customQueriesConfigMap == null ? List.of() : List.copyOf(customQueriesConfigMap);
    customQueriesSecret =
        customQueriesSecret == null ? List.of() : List.copyOf(customQueriesSecret);
    tls = tls == null ? new TlsSpec(false) : tls;
  }

  /** A key of a ConfigMap or Secret. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record KeyRef(String name, String key) {}

  /** {@code spec.monitoring.tls}. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record TlsSpec(Boolean enabled) {
    public TlsSpec {
      enabled = enabled != null && enabled;
    }
  }
}
