/**
 * User and default metrics queries in the postgres_exporter {@code queries.yaml} format: parsing,
 * running them at scrape time as role {@code cnpg_metrics_exporter}, and turning their rows into
 * Prometheus snapshots.
 */
// Every log line is one JSON object escaped by io.pgwarden.logs.JsonText: a CR or LF in a logged
// value cannot forge a line, so the log-injection finding does not apply anywhere in this package.
@SuppressFBWarnings(
    value = "CRLF_INJECTION_LOGS",
    justification =
        "log lines are JSON, escaped by io.pgwarden.logs.JsonText: a CR or LF cannot forge a line")
package io.pgwarden.metrics.queries;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
