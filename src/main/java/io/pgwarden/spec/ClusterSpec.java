package io.pgwarden.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/**
 * {@code spec} of a Cluster. The ignored names are CloudNativePG fields that concern the operator
 * (scheduling, storage, backups) and not the instance manager.
 *
 * @param smartShutdownTimeout seconds of smart shutdown before a fast one (default 180)
 * @param stopDelay seconds the whole shutdown may take, the pod's grace period (default 1800)
 */
@JsonIgnoreProperties({
  "instances",
  "imageName",
  "imageCatalogRef",
  "imagePullPolicy",
  "imagePullSecrets",
  "description",
  "inheritedMetadata",
  "storage",
  "walStorage",
  "tablespaces",
  "primaryUpdateStrategy",
  "primaryUpdateMethod",
  "startDelay",
  "switchoverDelay",
  "failoverDelay",
  "livenessProbeTimeout",
  "affinity",
  "topologySpreadConstraints",
  "resources",
  "ephemeralVolumeSource",
  "ephemeralVolumesSizeLimit",
  "priorityClassName",
  "enablePDB",
  "replicationSlots",
  "replica",
  "backup",
  "nodeMaintenanceWindow",
  "externalClusters",
  "logLevel",
  "managed",
  "seccompProfile",
  "env",
  "envFrom",
  "serviceAccountTemplate",
  "projectedVolumeTemplate",
  "plugins",
  "probes",
  "podSecurityContext",
  "securityContext",
  "postgresUID",
  "postgresGID",
  "maxSyncReplicas",
  "minSyncReplicas"
})
public record ClusterSpec(
    PostgresSpec postgresql,
    BootstrapSpec bootstrap,
    Boolean enableSuperuserAccess,
    SecretRef superuserSecret,
    Integer smartShutdownTimeout,
    Integer stopDelay,
    CertificatesSpec certificates,
    MonitoringSpec monitoring) {

  public static final int DEFAULT_SMART_SHUTDOWN_TIMEOUT = 180;
  public static final int DEFAULT_STOP_DELAY = 1800;

  public ClusterSpec {
    postgresql = postgresql == null ? PostgresSpec.defaults() : postgresql;
    bootstrap = bootstrap == null ? new BootstrapSpec(null) : bootstrap;
    enableSuperuserAccess = enableSuperuserAccess != null && enableSuperuserAccess;
    smartShutdownTimeout =
        smartShutdownTimeout == null
            ? Integer.valueOf(DEFAULT_SMART_SHUTDOWN_TIMEOUT)
            : smartShutdownTimeout;
    stopDelay = stopDelay == null ? Integer.valueOf(DEFAULT_STOP_DELAY) : stopDelay;
    certificates =
        certificates == null ? new CertificatesSpec(null, null, null, null, null) : certificates;
    monitoring = monitoring == null ? new MonitoringSpec(null, null, null, null, null) : monitoring;
  }

  public static ClusterSpec defaults() {
    return new ClusterSpec(null, null, null, null, null, null, null, null);
  }

  /** A reference to a Secret by name. */
  @JsonIgnoreProperties(ignoreUnknown = false)
  public record SecretRef(String name) {}
}
