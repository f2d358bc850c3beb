package io.pgwarden.metrics.queries;

/**
 * Names and descriptions of the metrics the query engine exposes about itself, and of its naming
 * rules.
 */
final class QueryMetrics {
  /** Prefix of every metric a query produces, as in CloudNativePG. */
  static final String PREFIX = "cnpg_";

  /** Counter, exposed as {@code pgwarden_query_errors_total{query}}. */
  static final String ERRORS = "pgwarden_query_errors";

  static final String ERRORS_HELP =
      "Runs of a metrics query that failed or ran past its timeout, by query name";

  /** Gauge {@code pgwarden_query_last_error{query}}. */
  static final String LAST_ERROR = "pgwarden_query_last_error";

  static final String LAST_ERROR_HELP =
      "1 when the last run of the metrics query failed or ran past its timeout, 0 when it succeeded";

  /** Label naming the query on the engine's own metrics. */
  static final String QUERY_LABEL = "query";

  /** Label naming the database on the metrics of a query with {@code target_databases}. */
  static final String DATNAME_LABEL = "datname";

  private QueryMetrics() {}
}
