/**
 * The instance's {@code PostgresqlStatus} as CloudNativePG's operator reads it from {@code
 * /pg/status}: computed from postgres, coalesced across callers, written as JSON.
 */
@SuppressFBWarnings(
    value = "CRLF_INJECTION_LOGS",
    justification =
        "log lines are JSON, escaped by io.pgwarden.logs.JsonText: a CR or LF cannot forge a line")
package io.pgwarden.status;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
