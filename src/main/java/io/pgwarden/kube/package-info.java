/**
 * Kubernetes mode: the own Cluster, Secrets and ConfigMaps read by name through the pod's
 * ServiceAccount (fabric8, watches with a {@code metadata.name} field selector so a {@code
 * resourceNames} Role suffices), the Cluster's status patched and Events created, every call off
 * postgres's path and retried through API outages.
 */
// Every log line is one JSON object escaped by io.pgwarden.logs.JsonText: a CR or LF in a logged
// value cannot forge a line, so the log-injection finding does not apply anywhere in this package.
@SuppressFBWarnings(
    value = "CRLF_INJECTION_LOGS",
    justification =
        "log lines are JSON, escaped by io.pgwarden.logs.JsonText: a CR or LF cannot forge a line")
package io.pgwarden.kube;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
