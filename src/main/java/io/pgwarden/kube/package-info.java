/**
 * Kubernetes mode: the own Cluster, Secrets and ConfigMaps read by name through the pod's
 * ServiceAccount (fabric8, watches with a {@code metadata.name} field selector so a {@code
 * resourceNames} Role suffices), the Cluster's status patched and Events created, every call off
 * postgres's path and retried through API outages.
 */
package io.pgwarden.kube;
