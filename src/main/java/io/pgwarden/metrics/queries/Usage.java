package io.pgwarden.metrics.queries;

/** How a query column becomes metrics, as in postgres_exporter's {@code usage}. */
public enum Usage {
  /** The column is a label of every metric of the row. */
  LABEL,
  /** A monotonic counter. */
  COUNTER,
  /** A gauge. */
  GAUGE,
  /** A gauge whose value is looked up in {@code metric_mapping}. */
  MAPPEDMETRIC,
  /** A duration in milliseconds, exposed as a gauge in seconds. */
  DURATION,
  /**
   * A histogram read from the columns {@code <col>}, {@code <col>_bucket}, {@code _sum}, {@code
   * _count}.
   */
  HISTOGRAM,
  /** The column is ignored. */
  DISCARD
}
