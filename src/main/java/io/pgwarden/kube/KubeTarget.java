package io.pgwarden.kube;

import io.pgwarden.settings.InvalidSettingException;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Who this instance is in Kubernetes: its namespace, its Cluster and its pod, from the environment
 * the pod spec sets ({@code NAMESPACE}, {@code CLUSTER_NAME}, {@code POD_NAME}).
 */
public record KubeTarget(String namespace, String clusterName, String podName) {
  /** A DNS-1123 label: what a namespace and a Cluster's name are. */
  private static final Pattern LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** A DNS-1123 subdomain: what a pod's name is. */
  private static final Pattern SUBDOMAIN = Pattern.compile("[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?");

  public KubeTarget {
    check("NAMESPACE", namespace, LABEL, 63);
    check("CLUSTER_NAME", clusterName, LABEL, 63);
    check("POD_NAME", podName, SUBDOMAIN, 253);
  }

  /** From {@code env}; every missing or malformed variable is named. */
  public static KubeTarget fromEnvironment(Map<String, String> env) {
    return new KubeTarget(env.get("NAMESPACE"), env.get("CLUSTER_NAME"), env.get("POD_NAME"));
  }

  private static void check(String key, String value, Pattern pattern, int maxLength) {
    if (value == null || value.isEmpty()) {
      throw new InvalidSettingException(key, "must be set (the pod spec sets it)");
    }
    if (value.length() > maxLength || !pattern.matcher(value).matches()) {
      throw new InvalidSettingException(
          key,
          "'"
              + value
              + "' is not a valid Kubernetes name (lower case letters, digits and '-', at most "
              + maxLength
              + " characters)");
    }
  }
}
