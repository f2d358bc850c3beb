/**
 * Netty HTTP servers: the status API of port 8000 (and the shape the metrics server of port 9187
 * reuses): one pipeline, one route table, TLS 1.3 that rotates without a restart.
 */
@SuppressFBWarnings(
    value = "CRLF_INJECTION_LOGS",
    justification =
        "log lines are JSON, escaped by io.pgwarden.logs.JsonText: a CR or LF cannot forge a line")
package io.pgwarden.http;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
