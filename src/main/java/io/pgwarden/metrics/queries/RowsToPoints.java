package io.pgwarden.metrics.queries;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns the rows of a query into samples, following postgres_exporter's usages. NULL values produce
 * no sample; NULL labels are empty strings. Result columns the file does not describe are ignored.
 * One converter serves one query: the metric and label names are derived once, not at each scrape.
 */
final class RowsToPoints {
  private static final Pattern NOT_NAME = Pattern.compile("[^a-zA-Z0-9_:]");
  private static final Pattern NOT_LABEL = Pattern.compile("[^a-zA-Z0-9_]");

  private static final Pattern GO_DURATION = Pattern.compile("([0-9.]+)([a-zµ]+)");

  /**
   * A column that gives samples, with the name and metadata of its metric.
   *
   * @param metadata the metric's name (a counter's without {@code _total}, a duration's with {@code
   *     _milliseconds}) and help
   */
  private record Sampled(ColumnMapping mapping, String name, MetricMetadata metadata) {}

  private final List<String> labelNames;
  private final List<String> labelColumns;
  private final boolean addDatname;
  private final List<Sampled> sampled;

  /**
   * The labels made for earlier rows, by their values: the same rows come back scrape after scrape,
   * and making labels (checking and sorting their names) costs more than finding them. Emptied when
   * it reaches {@value #MAX_CACHED_LABELS}, so that values that keep changing cannot grow it.
   */
  private final Map<Object, Labels> cachedLabels = new ConcurrentHashMap<>();

  private static final int MAX_CACHED_LABELS = 10_000;

  /** The converter of {@code query}'s rows. */
  RowsToPoints(UserQuery query) {
    List<String> names = new ArrayList<>();
    List<String> columns = new ArrayList<>();
    List<Sampled> values = new ArrayList<>();
    for (ColumnMapping c : query.columns()) {
      String name = metricName(query.metricPrefix(), c.column());
      switch (c.usage()) {
        case LABEL -> {
          names.add(labelName(c.column()));
          columns.add(c.column());
        }
        case DISCARD -> {
          // no sample
        }
        case COUNTER -> {
          // The exposition appends _total; a name already ending in it would read x_total_total.
          String counter = name;
          while (counter.endsWith("_total")) {
            counter = counter.substring(0, counter.length() - "_total".length());
          }
          values.add(sampled(c, counter));
        }
        case DURATION ->
            // As postgres_exporter and CloudNativePG export it (dashboards depend on the name):
            // milliseconds, in a gauge suffixed _milliseconds.
            values.add(sampled(c, name.endsWith("_milliseconds") ? name : name + "_milliseconds"));
        case GAUGE, MAPPEDMETRIC, HISTOGRAM -> values.add(sampled(c, name));
      }
    }
    this.addDatname = query.hasTargetDatabases() && !names.contains(QueryMetrics.DATNAME_LABEL);
    if (addDatname) {
      names.add(QueryMetrics.DATNAME_LABEL);
    }
    this.labelNames = List.copyOf(names);
    this.labelColumns = List.copyOf(columns);
    this.sampled = List.copyOf(values);
  }

  private static Sampled sampled(ColumnMapping c, String name) {
    MetricMetadata metadata;
    try {
      metadata = new MetricMetadata(name, c.description());
    } catch (IllegalArgumentException e) {
      metadata = null; // refused when the snapshot is built, as before
    }
    return new Sampled(c, name, metadata);
  }

  /**
   * {@code cnpg_<prefix>_<column>} with every character outside {@code [a-zA-Z0-9_:]} made {@code
   * _}.
   */
  static String metricName(String prefix, String column) {
    return NOT_NAME.matcher(QueryMetrics.PREFIX + prefix + "_" + column).replaceAll("_");
  }

  static String labelName(String column) {
    String name = NOT_LABEL.matcher(column).replaceAll("_");
    return name.isEmpty() || Character.isDigit(name.charAt(0)) ? "_" + name : name;
  }

  /**
   * The samples of the rows of one run of the query in one database.
   *
   * @param database the database the rows came from, the {@code datname} label of a query with
   *     target databases
   * @throws IllegalArgumentException when a histogram's columns do not fit together
   */
  List<Point> convert(String database, QueryExecutor.Rows rows) {
    List<Point> points = new ArrayList<>(rows.rows().size() * sampled.size());
    for (Map<String, Object> row : rows.rows()) {
      String[] values = new String[labelNames.size()];
      for (int i = 0; i < labelColumns.size(); i++) {
        Object value = row.get(labelColumns.get(i));
        values[i] = value == null ? "" : text(value);
      }
      if (addDatname) {
        values[values.length - 1] = database;
      }
      Labels labels = labels(values);
      for (Sampled c : sampled) {
        Point point = point(c, row, labels);
        if (point != null) {
          points.add(point);
        }
      }
    }
    return points;
  }

  /** The labels of a row's label values, made once for values seen before. */
  private Labels labels(String[] values) {
    Object key = values.length == 1 ? values[0] : new Values(values);
    Labels labels = cachedLabels.get(key);
    if (labels == null) {
      labels = Labels.of(labelNames, Arrays.asList(values));
      if (cachedLabels.size() >= MAX_CACHED_LABELS) {
        cachedLabels.clear();
      }
      cachedLabels.put(key, labels);
    }
    return labels;
  }

  /** Label values as a key: compared as an array, hashed once. */
  private static final class Values {
    private final String[] values;
    private final int hash;

    Values(String[] values) {
      this.values = values;
      this.hash = Arrays.hashCode(values);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Values v && hash == v.hash && Arrays.equals(values, v.values);
    }

    @Override
    public int hashCode() {
      return hash;
    }
  }

  private static Point point(Sampled s, Map<String, Object> row, Labels labels) {
    ColumnMapping c = s.mapping();
    Object raw = row.get(c.column());
    switch (c.usage()) {
      case LABEL, DISCARD -> {
        return null;
      }
      case GAUGE -> {
        double v = number(raw);
        return Double.isNaN(v)
            ? null
            : new Point(s.name(), Point.Kind.GAUGE, s.metadata(), labels, v, null);
      }
      case COUNTER -> {
        double v = number(raw);
        return Double.isNaN(v) || v < 0
            ? null
            : new Point(s.name(), Point.Kind.COUNTER, s.metadata(), labels, v, null);
      }
      case MAPPEDMETRIC -> {
        Double v = raw == null ? null : c.mapping().get(text(raw));
        return v == null
            ? null
            : new Point(s.name(), Point.Kind.GAUGE, s.metadata(), labels, v, null);
      }
      case DURATION -> {
        double ms = milliseconds(raw);
        return Double.isNaN(ms) || ms < 0
            ? null
            : new Point(s.name(), Point.Kind.GAUGE, s.metadata(), labels, ms, null);
      }
      case HISTOGRAM -> {
        return histogram(s, row, labels);
      }
    }
    return null;
  }

  /**
   * A histogram as postgres_exporter reads it: the column holds the bucket upper bounds, {@code
   * <col>_bucket} the cumulative counts, {@code <col>_sum} and {@code <col>_count} the sum and
   * count.
   */
  private static Point histogram(Sampled s, Map<String, Object> row, Labels labels) {
    String col = s.mapping().column();
    List<Double> bounds = numbers(row.get(col));
    List<Double> cumulative = numbers(row.get(col + "_bucket"));
    double sum = number(row.get(col + "_sum"));
    double count = number(row.get(col + "_count"));
    if (bounds == null || cumulative == null || Double.isNaN(count)) {
      if (row.get(col) == null && row.get(col + "_bucket") == null) {
        return null;
      }
      throw new IllegalArgumentException(
          "histogram column "
              + col
              + " needs "
              + col
              + ", "
              + col
              + "_bucket and "
              + col
              + "_count");
    }
    int n = Math.min(bounds.size(), cumulative.size());
    List<Double> upper = new ArrayList<>();
    List<Long> counts = new ArrayList<>();
    double previous = 0;
    for (int i = 0; i < n; i++) {
      double bound = bounds.get(i);
      double cum = cumulative.get(i);
      if (cum < previous || (i > 0 && bound <= upper.get(i - 1))) {
        throw new IllegalArgumentException(
            "histogram column "
                + col
                + ": bounds must increase and "
                + col
                + "_bucket counts must not decrease");
      }
      upper.add(bound);
      counts.add((long) (cum - previous));
      previous = cum;
    }
    if (upper.isEmpty() || upper.get(upper.size() - 1) != Double.POSITIVE_INFINITY) {
      if (count < previous) {
        throw new IllegalArgumentException(
            "histogram column " + col + ": " + col + "_count is below the last bucket");
      }
      upper.add(Double.POSITIVE_INFINITY);
      counts.add((long) (count - previous));
    }
    ClassicHistogramBuckets buckets = ClassicHistogramBuckets.of(upper, counts);
    return new Point(
        s.name(), Point.Kind.HISTOGRAM, s.metadata(), labels, Double.isNaN(sum) ? 0 : sum, buckets);
  }

  private static String text(Object value) {
    if (value instanceof List<?> list) {
      return list.toString();
    }
    if (value instanceof Object[] array) {
      return Arrays.toString(array);
    }
    return String.valueOf(value);
  }

  /** A number from a SQL value; NaN when there is none. */
  static double number(Object value) {
    if (value instanceof Number n) {
      return n.doubleValue();
    }
    if (value instanceof Boolean b) {
      return b ? 1 : 0;
    }
    if (value instanceof String s) {
      String t = s.strip();
      switch (t) {
        case "t", "true", "TRUE", "on" -> {
          return 1;
        }
        case "f", "false", "FALSE", "off" -> {
          return 0;
        }
        default -> {
          try {
            return Double.parseDouble(s.strip());
          } catch (NumberFormatException e) {
            return Double.NaN;
          }
        }
      }
    }
    return Double.NaN;
  }

  /**
   * Milliseconds from a number of milliseconds or a Go-style duration such as {@code 1m30s}; NaN if
   * neither.
   */
  static double milliseconds(Object value) {
    double n = number(value);
    if (!Double.isNaN(n) || !(value instanceof String s)) {
      return n;
    }
    String text = s.strip();
    Matcher m = GO_DURATION.matcher(text);
    double ms = 0;
    int end = 0;
    while (m.find() && m.start() == end) {
      double amount = number(m.group(1));
      if (Double.isNaN(amount)) {
        return Double.NaN;
      }
      ms +=
          switch (m.group(2)) {
            case "h" -> amount * 3_600_000;
            case "m" -> amount * 60_000;
            case "s" -> amount * 1000;
            case "ms" -> amount;
            case "us", "µs" -> amount / 1000;
            case "ns" -> amount / 1_000_000;
            default -> Double.NaN;
          };
      end = m.end();
    }
    return end == text.length() && end > 0 ? ms : Double.NaN;
  }

  /**
   * A list of numbers from a List, a Java array or a postgres array literal; null when the value is
   * none.
   */
  static List<Double> numbers(Object value) {
    List<?> items;
    if (value instanceof List<?> list) {
      items = list;
    } else if (value instanceof Object[] array) {
      items = Arrays.asList(array);
    } else if (value instanceof double[] array) {
      items = Arrays.stream(array).boxed().toList();
    } else if (value instanceof long[] array) {
      items = Arrays.stream(array).boxed().toList();
    } else if (value instanceof int[] array) {
      items = Arrays.stream(array).boxed().toList();
    } else if (value instanceof String s && s.startsWith("{") && s.endsWith("}")) {
      String inner = s.substring(1, s.length() - 1).strip();
      items = inner.isEmpty() ? List.of() : Arrays.asList(inner.split(",", -1));
    } else {
      return null;
    }
    List<Double> result = new ArrayList<>();
    for (Object item : items) {
      double d =
          number(
              item instanceof String str && List.of("inf", "Inf", "INF").contains(str.strip())
                  ? "Infinity"
                  : item);
      if (Double.isNaN(d)) {
        throw new IllegalArgumentException("'" + item + "' in a histogram array is not a number");
      }
      result.add(d);
    }
    return result;
  }
}
