package io.pgwarden.metrics.queries;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;

/**
 * One sample a query produced, before samples of the same name are grouped into a snapshot.
 *
 * @param name the metric name (a counter's without {@code _total})
 * @param kind gauge, counter or histogram
 * @param metadata the name and description, made once a query; {@code null} when the name is
 *     refused
 * @param labels the labels
 * @param value the value; for a histogram, its sum
 * @param buckets for a histogram, its buckets (not cumulative, ending with +Inf); {@code null}
 *     otherwise
 */
record Point(
    String name,
    Point.Kind kind,
    MetricMetadata metadata,
    Labels labels,
    double value,
    ClassicHistogramBuckets buckets) {

  /** The metric types a query produces. */
  enum Kind {
    GAUGE,
    COUNTER,
    HISTOGRAM
  }
}
