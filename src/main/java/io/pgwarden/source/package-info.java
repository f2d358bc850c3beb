/**
 * Where spec, Secrets and ConfigMaps come from: files in standalone mode, the API in Kubernetes.
 */
// Every log line is one JSON object escaped by io.pgwarden.logs.JsonText: a CR or LF in a logged
// value cannot forge a line, so the log-injection finding does not apply anywhere in this package.
@SuppressFBWarnings(
    value = "CRLF_INJECTION_LOGS",
    justification =
        "log lines are JSON, escaped by io.pgwarden.logs.JsonText: a CR or LF cannot forge a line")
package io.pgwarden.source;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
