package io.pgwarden.metrics.queries;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One column of a query and how it becomes a metric.
 *
 * @param column the column name in the query's result
 * @param usage how the column becomes metrics
 * @param description the HELP text
 * @param mapping for {@link Usage#MAPPEDMETRIC}: column text to value; empty otherwise
 * @param buckets for {@link Usage#HISTOGRAM}: bucket bounds declared in the file (informative: the
 *     bounds are read from the column); empty otherwise
 */
public record ColumnMapping(
    String column,
    Usage usage,
    String description,
    Map<String, Double> mapping,
    List<Double> buckets) {

  /** Copies the collections so the record stays immutable. */
  public ColumnMapping {
    Objects.requireNonNull(column, "column");
    Objects.requireNonNull(usage, "usage");
    description = description == null ? "" : description;
    mapping = Map.copyOf(mapping);
    buckets = List.copyOf(buckets);
  }
}
