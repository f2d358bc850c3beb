package io.pgwarden.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.Map;

/**
 * A {@code postgresql.cnpg.io/v1} Cluster as pgwarden reads it. Only the fields below are modelled;
 * CloudNativePG fields that pgwarden does not act on are accepted by name and ignored, anything
 * else is refused so that a typo does not pass silently.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record Cluster(
    String apiVersion, String kind, Metadata metadata, ClusterSpec spec, Status status) {

  public static final String API_VERSION = "postgresql.cnpg.io/v1";
  public static final String KIND = "Cluster";

  public Cluster {
    apiVersion = apiVersion == null ? API_VERSION : apiVersion;
    kind = kind == null ? KIND : kind;
    metadata = metadata == null ? new Metadata(null, null, null, null) : metadata;
    spec = spec == null ? ClusterSpec.defaults() : spec;
    status = status == null ? new Status(null, null) : status;
  }

  /** The cluster with every default applied. */
  public static Cluster defaults() {
    return new Cluster(null, null, null, null, null);
  }

  public String name() {
    return metadata.name();
  }

  /** The object's metadata; the name defaults to {@code pgwarden}. */
  @JsonIgnoreProperties({
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "managedFields",
    "finalizers",
    "ownerReferences",
    "generateName",
    "selfLink"
  })
  public record Metadata(
      String name, String namespace, Map<String, String> annotations, Map<String, String> labels) {
    public static final String DEFAULT_NAME = "pgwarden";

    public Metadata {
      name = name == null ? DEFAULT_NAME : name;
      namespace = namespace == null ? "default" : namespace;
      annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
      labels = labels == null ? Map.of() : Map.copyOf(labels);
    }
  }

  /** The part of the status pgwarden reads; the operator owns the rest. */
  @JsonIgnoreProperties(ignoreUnknown = true)
  public record Status(String operatorCertificateFingerprint, String currentPrimary) {}
}
