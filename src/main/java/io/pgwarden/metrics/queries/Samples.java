package io.pgwarden.metrics.queries;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Assembles a scrape's samples into metric families: the queries' samples, grouped by name, then
 * the engine's own {@code pgwarden_query_errors_total} and {@code pgwarden_query_last_error}, a
 * sample of each for every query in use.
 */
final class Samples {
  private static final Logger log = LoggerFactory.getLogger(Samples.class);

  private static final MetricMetadata ERRORS =
      new MetricMetadata(QueryMetrics.ERRORS, QueryMetrics.ERRORS_HELP);
  private static final MetricMetadata LAST_ERROR =
      new MetricMetadata(QueryMetrics.LAST_ERROR, QueryMetrics.LAST_ERROR_HELP);

  private Samples() {}

  /**
   * The families of {@code points}, in the order their names first came, and the engine's own
   * families for {@code queries}, from their {@code states} (a query without one has no errors).
   */
  static MetricSnapshots snapshots(
      List<Point> points, List<UserQuery> queries, Map<String, QueryState> states) {
    Map<String, List<Point>> byName = new LinkedHashMap<>();
    for (Point p : points) {
      byName.computeIfAbsent(p.name(), n -> new ArrayList<>()).add(p);
    }
    List<MetricSnapshot> result = new ArrayList<>();
    for (List<Point> family : byName.values()) {
      MetricSnapshot snapshot = snapshot(family);
      if (snapshot != null) {
        result.add(snapshot);
      }
    }
    result.addAll(engineSnapshots(queries, states));
    return new MetricSnapshots(result);
  }

  /**
   * One family; samples of another type or with labels seen before are dropped, as a registry would
   * refuse them.
   */
  private static MetricSnapshot snapshot(List<Point> family) {
    Point first = family.get(0);
    MetricMetadata meta = first.metadata();
    if (meta == null) {
      log.debug("dropping {}: not a metric name", first.name());
      return null;
    }
    Set<Labels> seen = family.size() > 1 ? new HashSet<>(family.size() * 2) : null;
    List<Point> kept = new ArrayList<>(family.size());
    for (Point p : family) {
      if (p.kind() == first.kind() && (seen == null || seen.add(p.labels()))) {
        kept.add(p);
      } else {
        log.debug("dropping a duplicate sample of {} {}", p.name(), p.labels());
      }
    }
    return switch (first.kind()) {
      case GAUGE -> {
        List<GaugeDataPointSnapshot> points = new ArrayList<>(kept.size());
        for (Point p : kept) {
          points.add(new GaugeDataPointSnapshot(p.value(), p.labels(), null));
        }
        yield new GaugeSnapshot(meta, points);
      }
      case COUNTER -> {
        List<CounterDataPointSnapshot> points = new ArrayList<>(kept.size());
        for (Point p : kept) {
          points.add(new CounterDataPointSnapshot(p.value(), p.labels(), null, 0L));
        }
        yield new CounterSnapshot(meta, points);
      }
      case HISTOGRAM -> {
        List<HistogramDataPointSnapshot> points = new ArrayList<>(kept.size());
        for (Point p : kept) {
          points.add(
              new HistogramDataPointSnapshot(
                  p.buckets(), p.value(), p.labels(), Exemplars.EMPTY, 0L));
        }
        yield new HistogramSnapshot(meta, points);
      }
    };
  }

  private static List<MetricSnapshot> engineSnapshots(
      List<UserQuery> queries, Map<String, QueryState> states) {
    List<CounterDataPointSnapshot> errors = new ArrayList<>(queries.size());
    List<GaugeDataPointSnapshot> last = new ArrayList<>(queries.size());
    for (UserQuery q : queries) {
      QueryState s = states.get(q.name());
      long count = s == null ? 0 : s.errors();
      boolean failed = s != null && s.lastFailed();
      Labels labels = s == null ? Labels.of(QueryMetrics.QUERY_LABEL, q.name()) : s.labels();
      errors.add(new CounterDataPointSnapshot(count, labels, null, 0L));
      last.add(new GaugeDataPointSnapshot(failed ? 1 : 0, labels, null));
    }
    return List.of(new CounterSnapshot(ERRORS, errors), new GaugeSnapshot(LAST_ERROR, last));
  }
}
