package io.pgwarden.metrics.queries;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Labels;

/**
 * One sample a query produced, before samples of the same name are grouped into a snapshot.
 *
 * @param name the metric name (a counter's without {@code _total})
 * @param kind gauge, counter or histogram
 * @param help the description
 * @param labels the labels
 * @param value the value; for a histogram, its sum
 * @param buckets for a histogram, its buckets (not cumulative, ending with +Inf); {@code null}
 *     otherwise
 */
record Point(
    String name,
    Point.Kind kind,
    String help,
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
