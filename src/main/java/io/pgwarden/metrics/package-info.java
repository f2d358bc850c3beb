/**
 * Port 9187: the Prometheus endpoint ({@link io.pgwarden.metrics.MetricsServer}), CloudNativePG's
 * built-in {@code cnpg_collector_*} metrics ({@link io.pgwarden.metrics.BuiltinCollector}) and
 * pgwarden's own {@code pgwarden_*} meters ({@link io.pgwarden.metrics.PgwardenMeters}), all in one
 * Prometheus registry.
 */
// Every log line is one JSON object escaped by io.pgwarden.logs.JsonText: a CR or LF in a logged
// value cannot forge a line, so the log-injection finding does not apply anywhere in this package.
@SuppressFBWarnings(
    value = "CRLF_INJECTION_LOGS",
    justification =
        "log lines are JSON, escaped by io.pgwarden.logs.JsonText: a CR or LF cannot forge a line")
package io.pgwarden.metrics;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
