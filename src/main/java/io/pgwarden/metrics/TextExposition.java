package io.pgwarden.metrics;

import io.prometheus.metrics.config.EscapingScheme;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.DistributionDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SnapshotEscaper;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Renders {@link MetricSnapshots} in the Prometheus text format 0.0.4 or OpenMetrics 1.0 straight
 * into UTF-8 bytes: the same bytes as prometheus-metrics 1.7.0's {@code PrometheusTextFormatWriter}
 * and {@code OpenMetricsTextFormatWriter} as {@link
 * io.micrometer.prometheusmetrics.PrometheusMeterRegistry} builds and calls them with {@code
 * PrometheusConfig.DEFAULT}: names escaped with {@link EscapingScheme#DEFAULT}, no {@code _created}
 * series, exemplars on every OpenMetrics type that carries them, scrape timestamps in seconds.
 * Snapshots that share a name (several collectors) are merged first, as the library does.
 *
 * <p>The library writes chars through a {@code BufferedWriter} and an {@code OutputStreamWriter};
 * this writes bytes into one array kept from scrape to scrape, with no string built per line: each
 * series name is encoded once per family, a {@link Labels} object once per scrape (then copied),
 * and integers below 2^53 are written without {@link Double#toString(double)} (in its format).
 *
 * <p>One scrape at a time: {@link #write} is synchronized.
 */
final class TextExposition {
  private static final EscapingScheme SCHEME = EscapingScheme.DEFAULT;

  private static final byte[] HELP = bytes("# HELP ");
  private static final byte[] TYPE = bytes("# TYPE ");
  private static final byte[] UNIT = bytes("# UNIT ");
  private static final byte[] EOF = bytes("# EOF\n");
  private static final byte[] PLUS_INF = bytes("+Inf");
  private static final byte[] MINUS_INF = bytes("-Inf");
  private static final byte[] LE = bytes("le");
  private static final byte[] QUANTILE = bytes("quantile");
  private static final byte[] EXEMPLAR = bytes(" # ");
  private static final byte[] LONG_MIN = bytes(Long.toString(Long.MIN_VALUE));

  /** 2^53: below it, a double that is an integer is written exactly by Double.toString. */
  private static final long EXACT = 1L << 53;

  /** ASCII a label value keeps as is (the others are escaped or not ASCII). */
  private static final boolean[] PLAIN_VALUE = new boolean[128];

  /** ASCII a text-format HELP keeps as is. */
  private static final boolean[] PLAIN_HELP = new boolean[128];

  /** ASCII of a legacy label name ([a-zA-Z_][a-zA-Z0-9_]*), after its first char. */
  private static final boolean[] LABEL_CHAR = new boolean[128];

  static {
    Arrays.fill(PLAIN_VALUE, true);
    PLAIN_VALUE['\\'] = false;
    PLAIN_VALUE['"'] = false;
    PLAIN_VALUE['\n'] = false;
    Arrays.fill(PLAIN_HELP, true);
    PLAIN_HELP['\\'] = false;
    PLAIN_HELP['\n'] = false;
    for (char c = 'a'; c <= 'z'; c++) {
      LABEL_CHAR[c] = true;
      LABEL_CHAR[Character.toUpperCase(c)] = true;
    }
    for (char c = '0'; c <= '9'; c++) {
      LABEL_CHAR[c] = true;
    }
    LABEL_CHAR['_'] = true;
  }

  /**
   * A metric name encoded once for a family's comment and sample lines: as is when a legacy name,
   * else quoted (and then, on a sample line, inside the braces).
   */
  private static final class Series {
    final byte[] name;
    final boolean inBraces;

    Series(byte[] name, boolean inBraces) {
      this.name = name;
      this.inBraces = inBraces;
    }
  }

  /** The buffer a scrape starts with; one that grew past {@link #KEPT} is not kept after it. */
  private static final int INITIAL = 16 * 1024;

  private static final int KEPT = 1 << 20;

  private byte[] buf = new byte[INITIAL];
  private int len;

  /** The label sets written in this scrape, by identity, and where: offset << 32 | length. */
  private Object[] labelKeys = new Object[256];

  private long[] labelSpans = new long[256];
  private int labelCount;

  /** This scrape's format: OpenMetrics, else the text format. */
  private boolean openMetrics;

  /** {@code snapshots} in {@code format}, in a new array of the body's exact length. */
  synchronized byte[] write(MetricSnapshots snapshots, ExpositionFormat format) {
    len = 0;
    try {
      openMetrics = format == ExpositionFormat.OPENMETRICS;
      // A MetricSnapshots is sorted by name: the families that share one are neighbours.
      for (int i = 0, n = snapshots.size(), next; i < n; i = next) {
        String name = snapshots.get(i).getMetadata().getPrometheusName();
        next = i + 1;
        while (next < n && name.equals(snapshots.get(next).getMetadata().getPrometheusName())) {
          next++;
        }
        MetricSnapshot s = next == i + 1 ? snapshots.get(i) : merge(snapshots, i, next);
        MetricSnapshot snapshot = SnapshotEscaper.escapeMetricSnapshot(s, SCHEME);
        if (snapshot.getDataPoints().isEmpty()) {
          continue;
        }
        family(snapshot, s.getMetadata());
      }
      if (openMetrics) {
        put(EOF);
      }
      return Arrays.copyOf(buf, len);
    } finally {
      forgetLabels();
      if (buf.length > KEPT) {
        buf = new byte[INITIAL]; // one very large scrape does not pin its buffer for good
      }
    }
  }

  /**
   * The families {@code from} to {@code to} (excluded), which share a name, as one: the first's
   * metadata and all their points, as the library's {@code TextFormatUtil.mergeDuplicates} does; an
   * {@link IllegalArgumentException} when they differ in type or unit (or two points in labels).
   */
  private static MetricSnapshot merge(MetricSnapshots snapshots, int from, int to) {
    MetricSnapshot first = snapshots.get(from);
    MetricMetadata metadata = first.getMetadata();
    int points = 0;
    for (int i = from; i < to; i++) {
      MetricSnapshot s = snapshots.get(i);
      if (s.getClass() != first.getClass()) {
        throw new IllegalArgumentException(
            "Cannot merge snapshots of different types: "
                + first.getClass().getName()
                + " and "
                + s.getClass().getName());
      }
      if (first instanceof HistogramSnapshot h
          && h.isGaugeHistogram() != ((HistogramSnapshot) s).isGaugeHistogram()) {
        throw new IllegalArgumentException(
            "Cannot merge histograms: gauge histogram and classic histogram");
      }
      if (!Objects.equals(metadata.getUnit(), s.getMetadata().getUnit())) {
        throw new IllegalArgumentException(
            "Cannot merge snapshots: conflicting unit for metric " + metadata.getPrometheusName());
      }
      points += s.getDataPoints().size();
    }
    if (first instanceof CounterSnapshot) {
      return new CounterSnapshot(metadata, points(snapshots, from, to, points));
    } else if (first instanceof GaugeSnapshot) {
      return new GaugeSnapshot(metadata, points(snapshots, from, to, points));
    } else if (first instanceof HistogramSnapshot h) {
      return new HistogramSnapshot(
          h.isGaugeHistogram(), metadata, points(snapshots, from, to, points));
    } else if (first instanceof SummarySnapshot) {
      return new SummarySnapshot(metadata, points(snapshots, from, to, points));
    } else if (first instanceof InfoSnapshot) {
      return new InfoSnapshot(metadata, points(snapshots, from, to, points));
    } else if (first instanceof StateSetSnapshot) {
      return new StateSetSnapshot(metadata, points(snapshots, from, to, points));
    } else if (first instanceof UnknownSnapshot) {
      return new UnknownSnapshot(metadata, points(snapshots, from, to, points));
    }
    throw new IllegalArgumentException("Unknown snapshot type: " + first.getClass().getName());
  }

  /** The points of families of one type (checked by the caller), in order. */
  @SuppressWarnings("unchecked")
  private static <T extends DataPointSnapshot> List<T> points(
      MetricSnapshots snapshots, int from, int to, int count) {
    List<T> points = new ArrayList<>(count);
    for (int i = from; i < to; i++) {
      points.addAll((List<T>) snapshots.get(i).getDataPoints());
    }
    return points;
  }

  // ---- One method a kind of family, for both formats

  private void family(MetricSnapshot snapshot, MetricMetadata unescaped) {
    if (snapshot instanceof CounterSnapshot counter) {
      counter(counter);
    } else if (snapshot instanceof GaugeSnapshot gauge) {
      gauge(gauge, unescaped);
    } else if (snapshot instanceof HistogramSnapshot histogram) {
      histogram(histogram);
    } else if (snapshot instanceof SummarySnapshot summary) {
      summary(summary);
    } else if (snapshot instanceof InfoSnapshot info) {
      info(info);
    } else if (snapshot instanceof StateSetSnapshot stateSet) {
      stateSet(stateSet);
    } else if (snapshot instanceof UnknownSnapshot unknown) {
      unknown(unknown);
    }
  }

  private void counter(CounterSnapshot snapshot) {
    MetricMetadata metadata = snapshot.getMetadata();
    Series series =
        suffixedFamily(expositionName(metadata, "_total"), "_total", "counter", metadata);
    List<CounterSnapshot.CounterDataPointSnapshot> points = snapshot.getDataPoints();
    for (int i = 0, n = points.size(); i < n; i++) {
      CounterSnapshot.CounterDataPointSnapshot data = points.get(i);
      nameAndLabels(series, data.getLabels());
      writeDouble(data.getValue());
      end(data, data.getExemplar());
    }
  }

  private void gauge(GaugeSnapshot snapshot, MetricMetadata unescaped) {
    MetricMetadata metadata = snapshot.getMetadata();
    Series series = series(gaugeName(metadata, unescaped));
    metadata(series, "gauge", metadata);
    List<GaugeSnapshot.GaugeDataPointSnapshot> points = snapshot.getDataPoints();
    for (int i = 0, n = points.size(); i < n; i++) {
      GaugeSnapshot.GaugeDataPointSnapshot data = points.get(i);
      nameAndLabels(series, data.getLabels());
      writeDouble(data.getValue());
      end(data, data.getExemplar());
    }
  }

  private void histogram(HistogramSnapshot snapshot) {
    MetricMetadata metadata = snapshot.getMetadata();
    String name = SnapshotEscaper.getMetadataName(metadata, SCHEME);
    boolean gaugeHistogram = snapshot.isGaugeHistogram();
    Series base = series(name);
    metadata(base, openMetrics && gaugeHistogram ? "gaugehistogram" : "histogram", metadata);
    Series bucket = suffixed(name, base, "_bucket");
    Series count = suffixed(name, base, gaugeHistogram ? "_gcount" : "_count");
    Series sum = suffixed(name, base, gaugeHistogram ? "_gsum" : "_sum");
    List<HistogramSnapshot.HistogramDataPointSnapshot> points = snapshot.getDataPoints();
    for (int i = 0, n = points.size(); i < n; i++) {
      HistogramSnapshot.HistogramDataPointSnapshot data = points.get(i);
      Labels labels = data.getLabels();
      ClassicHistogramBuckets buckets = classicBuckets(data);
      Exemplars exemplars = exemplars(data);
      boolean anyExemplar = exemplars.size() > 0;
      long cumulative = 0;
      for (int b = 0, nb = buckets.size(); b < nb; b++) {
        cumulative += buckets.getCount(b);
        double upperBound = buckets.getUpperBound(b);
        nameAndLabels(bucket, labels, LE, upperBound);
        writeLong(cumulative);
        Exemplar exemplar = null;
        if (anyExemplar) {
          double lowerBound = b == 0 ? Double.NEGATIVE_INFINITY : buckets.getUpperBound(b - 1);
          exemplar = exemplars.get(lowerBound, upperBound);
        }
        end(data, exemplar);
      }
      if (openMetrics) {
        // In OpenMetrics a histogram has both _count and _sum, or neither.
        if (data.hasCount() && data.hasSum()) {
          countAndSum(count, sum, data, exemplars);
        }
      } else if (!gaugeHistogram) {
        countAndSum(count, sum, data, exemplars);
      }
    }
    if (gaugeHistogram && !openMetrics) {
      // The text format has no gauge histogram: _gcount and _gsum are gauges of their own.
      gaugeTotal(points, count, true, metadata);
      gaugeTotal(points, sum, false, metadata);
    }
  }

  /**
   * The text format's {@code _gcount} (or {@code _gsum}) of a gauge histogram, if any point has it.
   */
  private void gaugeTotal(
      List<HistogramSnapshot.HistogramDataPointSnapshot> points,
      Series series,
      boolean isCount,
      MetricMetadata metadata) {
    boolean first = true;
    for (int i = 0, n = points.size(); i < n; i++) {
      HistogramSnapshot.HistogramDataPointSnapshot data = points.get(i);
      if (isCount ? data.hasCount() : data.hasSum()) {
        if (first) {
          metadata(series, "gauge", metadata);
          first = false;
        }
        nameAndLabels(series, data.getLabels());
        if (isCount) {
          writeLong(data.getCount());
        } else {
          writeDouble(data.getSum());
        }
        end(data, null);
      }
    }
  }

  private void summary(SummarySnapshot snapshot) {
    MetricMetadata metadata = snapshot.getMetadata();
    String name = SnapshotEscaper.getMetadataName(metadata, SCHEME);
    Series series = null;
    Series count = null;
    Series sum = null;
    List<SummarySnapshot.SummaryDataPointSnapshot> points = snapshot.getDataPoints();
    for (int i = 0, n = points.size(); i < n; i++) {
      SummarySnapshot.SummaryDataPointSnapshot data = points.get(i);
      Quantiles quantiles = data.getQuantiles();
      if (quantiles.size() == 0 && !data.hasCount() && !data.hasSum()) {
        continue;
      }
      if (series == null) {
        series = series(name);
        metadata(series, "summary", metadata);
        count = suffixed(name, series, "_count");
        sum = suffixed(name, series, "_sum");
      }
      Labels labels = data.getLabels();
      Exemplars exemplars = exemplars(data);
      // The library's choice: exemplars[2...] for the quantiles, in turn.
      int exemplarIndex = 1;
      for (int q = 0, nq = quantiles.size(); q < nq; q++) {
        Quantile quantile = quantiles.get(q);
        nameAndLabels(series, labels, QUANTILE, quantile.getQuantile());
        writeDouble(quantile.getValue());
        Exemplar exemplar = null;
        if (exemplars.size() > 0) {
          exemplarIndex = (exemplarIndex + 1) % exemplars.size();
          exemplar = exemplars.get(exemplarIndex);
        }
        end(data, exemplar);
      }
      // Unlike a histogram, a summary may have a count without a sum, or the reverse.
      countAndSum(count, sum, data, exemplars);
    }
  }

  /**
   * The {@code _count} line if any (the latest exemplar on it), then the {@code _sum} line if any.
   */
  private void countAndSum(
      Series count, Series sum, DistributionDataPointSnapshot data, Exemplars exemplars) {
    if (data.hasCount()) {
      nameAndLabels(count, data.getLabels());
      writeLong(data.getCount());
      end(data, exemplars.size() > 0 ? exemplars.getLatest() : null);
    }
    if (data.hasSum()) {
      nameAndLabels(sum, data.getLabels());
      writeDouble(data.getSum());
      end(data, null);
    }
  }

  private void info(InfoSnapshot snapshot) {
    MetricMetadata metadata = snapshot.getMetadata();
    // The text format has no info type: a gauge of value 1.
    String type = openMetrics ? "info" : "gauge";
    Series series = suffixedFamily(expositionName(metadata, "_info"), "_info", type, metadata);
    List<InfoSnapshot.InfoDataPointSnapshot> points = snapshot.getDataPoints();
    for (int i = 0, n = points.size(); i < n; i++) {
      InfoSnapshot.InfoDataPointSnapshot data = points.get(i);
      nameAndLabels(series, data.getLabels());
      put((byte) '1');
      end(data, null);
    }
  }

  private void stateSet(StateSetSnapshot snapshot) {
    MetricMetadata metadata = snapshot.getMetadata();
    String name = SnapshotEscaper.getMetadataName(metadata, SCHEME);
    Series series = series(name);
    // The text format has no state set: a gauge of 0 or 1 a state.
    metadata(series, openMetrics ? "stateset" : "gauge", metadata);
    byte[] raw = series.inBraces ? encoded(name) : series.name;
    List<StateSetSnapshot.StateSetDataPointSnapshot> points = snapshot.getDataPoints();
    for (int i = 0, n = points.size(); i < n; i++) {
      StateSetSnapshot.StateSetDataPointSnapshot data = points.get(i);
      for (int s = 0, ns = data.size(); s < ns; s++) {
        stateLine(raw, data, s);
        end(data, null);
      }
    }
  }

  private void unknown(UnknownSnapshot snapshot) {
    MetricMetadata metadata = snapshot.getMetadata();
    Series series = series(SnapshotEscaper.getMetadataName(metadata, SCHEME));
    metadata(series, openMetrics ? "unknown" : "untyped", metadata);
    List<UnknownSnapshot.UnknownDataPointSnapshot> points = snapshot.getDataPoints();
    for (int i = 0, n = points.size(); i < n; i++) {
      UnknownSnapshot.UnknownDataPointSnapshot data = points.get(i);
      nameAndLabels(series, data.getLabels());
      writeDouble(data.getValue());
      end(data, data.getExemplar());
    }
  }

  // ---- Where the formats differ

  /**
   * A counter's or an info's series after the family's metadata, from its full name: the text
   * format names the family by it, OpenMetrics by the name without {@code suffix}.
   */
  private Series suffixedFamily(
      String fullName, String suffix, String type, MetricMetadata metadata) {
    if (!openMetrics) {
      Series series = series(fullName);
      metadata(series, type, metadata);
      return series;
    }
    String base = fullName.substring(0, fullName.length() - suffix.length());
    Series family = series(base);
    metadata(family, type, metadata);
    return suffixed(base, family, suffix);
  }

  /** A gauge's name: in the text format, the library's legacy one from the name before escaping. */
  private String gaugeName(MetricMetadata metadata, MetricMetadata unescaped) {
    return openMetrics
        ? SnapshotEscaper.getMetadataName(metadata, SCHEME)
        : SnapshotEscaper.getLegacyGaugeName(metadata, unescaped.getOriginalName(), SCHEME);
  }

  /** A point's exemplars: none in the text format. */
  private Exemplars exemplars(DistributionDataPointSnapshot data) {
    return openMetrics ? data.getExemplars() : Exemplars.EMPTY;
  }

  /**
   * The text format: {@code # HELP} (escaping only {@code \} and newline) then {@code # TYPE}.
   * OpenMetrics: {@code # TYPE}, {@code # UNIT} if any, {@code # HELP} (escaped as a label value).
   */
  private void metadata(Series name, String type, MetricMetadata metadata) {
    String help = metadata.getHelp();
    boolean hasHelp = help != null && !help.isEmpty();
    if (hasHelp && !openMetrics) {
      comment(HELP, name);
      escapedHelp(help);
      put((byte) '\n');
    }
    comment(TYPE, name);
    ascii(type);
    put((byte) '\n');
    if (openMetrics && metadata.getUnit() != null) {
      comment(UNIT, name);
      escaped(metadata.getUnit().toString());
      put((byte) '\n');
    }
    if (hasHelp && openMetrics) {
      comment(HELP, name);
      escaped(help);
      put((byte) '\n');
    }
  }

  /** {@code # KEYWORD name }. */
  private void comment(byte[] keyword, Series name) {
    put(keyword);
    put(name.name);
    put((byte) ' ');
  }

  /**
   * The scrape timestamp if any (seconds, 3 decimals: the default), in OpenMetrics the exemplar if
   * any, and the newline.
   */
  private void end(DataPointSnapshot data, Exemplar exemplar) {
    if (data.hasScrapeTimestamp()) {
      put((byte) ' ');
      timestamp(data.getScrapeTimestampMillis());
    }
    if (exemplar != null && openMetrics) {
      put(EXEMPLAR);
      labels(exemplar.getLabels(), false, null, 0);
      put((byte) ' ');
      writeDouble(exemplar.getValue());
      if (exemplar.hasTimestamp()) {
        put((byte) ' ');
        timestamp(exemplar.getTimestampMillis());
      }
    }
    put((byte) '\n');
  }

  // ---- Names, labels and lines

  /**
   * A counter's or an info's full name: the name it was given if that already ends with {@code
   * suffix}, else its name and the suffix.
   */
  private static String expositionName(MetricMetadata metadata, String suffix) {
    String base = SnapshotEscaper.getExpositionBaseMetadataName(metadata, SCHEME);
    return base.endsWith(suffix)
        ? base
        : SnapshotEscaper.getMetadataName(metadata, SCHEME) + suffix;
  }

  /** A histogram point's buckets; one {@code +Inf} bucket for a native-only histogram. */
  private static ClassicHistogramBuckets classicBuckets(
      HistogramSnapshot.HistogramDataPointSnapshot data) {
    ClassicHistogramBuckets buckets = data.getClassicBuckets();
    if (buckets.isEmpty()) {
      return ClassicHistogramBuckets.of(
          new double[] {Double.POSITIVE_INFINITY}, new long[] {data.getCount()});
    }
    return buckets;
  }

  /** {@code name} encoded once for all the family's lines. */
  private Series series(String name) {
    boolean legacy = PrometheusNaming.isValidLegacyMetricName(name);
    int start = len;
    if (legacy) {
      utf8(name);
    } else {
      quoted(name);
    }
    byte[] bytes = Arrays.copyOfRange(buf, start, len);
    len = start;
    return new Series(bytes, !legacy);
  }

  /**
   * {@code name + suffix} from {@code name}'s series: a legacy name stays one with a suffix of
   * {@code [a-z_]}, so its bytes are {@code name}'s and the suffix's.
   */
  private Series suffixed(String name, Series series, String suffix) {
    if (series.inBraces || name.isEmpty()) {
      return series(name + suffix);
    }
    byte[] bytes = Arrays.copyOf(series.name, series.name.length + suffix.length());
    for (int i = 0; i < suffix.length(); i++) {
      bytes[series.name.length + i] = (byte) suffix.charAt(i);
    }
    return new Series(bytes, false);
  }

  /** {@code s} in UTF-8, escaping nothing. */
  private byte[] encoded(String s) {
    int start = len;
    utf8(s);
    byte[] bytes = Arrays.copyOfRange(buf, start, len);
    len = start;
    return bytes;
  }

  private void nameAndLabels(Series series, Labels labels) {
    if (series.inBraces) {
      put((byte) '{');
    }
    put(series.name);
    if (labels.size() > 0) {
      labels(labels, series.inBraces, null, 0);
    } else if (series.inBraces) {
      put((byte) '}');
    }
    put((byte) ' ');
  }

  private void nameAndLabels(Series series, Labels labels, byte[] extraName, double extraValue) {
    if (series.inBraces) {
      put((byte) '{');
    }
    put(series.name);
    labels(labels, series.inBraces, extraName, extraValue);
    put((byte) ' ');
  }

  /**
   * {@code {a="x",b="y"}}, plus {@code extraName="extraValue"} when there is one; the opening brace
   * already written when the metric name is in the braces.
   */
  private void labels(Labels labels, boolean inBraces, byte[] extraName, double extraValue) {
    int n = labels.size();
    if (!inBraces) {
      put((byte) '{');
    }
    if (n > 0) {
      if (inBraces) {
        put((byte) ',');
      }
      labelPairs(labels);
    }
    if (extraName != null) {
      if (n > 0 || inBraces) {
        put((byte) ',');
      }
      put(extraName);
      put((byte) '=');
      put((byte) '"');
      writeDouble(extraValue);
      put((byte) '"');
    }
    put((byte) '}');
  }

  /**
   * {@code a="x",b="y"}: copied from where this scrape already wrote the same {@link Labels}
   * object, else encoded. A query's row has one {@code Labels} for all its columns, each a family
   * of its own: its labels are encoded once.
   */
  private void labelPairs(Labels labels) {
    int slot = labelSlot(labels);
    if (labelKeys[slot] == labels) {
      long span = labelSpans[slot];
      int from = (int) (span >>> 32);
      int n = (int) span;
      ensure(n);
      System.arraycopy(buf, from, buf, len, n);
      len += n;
      return;
    }
    int start = len;
    encodePairs(labels, true);
    labelKeys[slot] = labels;
    labelSpans[slot] = ((long) start << 32) | (len - start);
    if (++labelCount * 2 > labelKeys.length) {
      growLabels();
    }
  }

  /** {@code a="x",b="y"}, the names quoted unless legacy ones, or written as they are. */
  private void encodePairs(Labels labels, boolean quoteNames) {
    for (int i = 0, n = labels.size(); i < n; i++) {
      if (i > 0) {
        put((byte) ',');
      }
      String name = SnapshotEscaper.getSnapshotLabelName(labels, i, SCHEME);
      if (quoteNames) {
        labelName(name);
      } else {
        utf8(name);
      }
      put((byte) '=');
      put((byte) '"');
      escaped(labels.getValue(i));
      put((byte) '"');
    }
  }

  /** Where {@code labels} is in the table, or the free slot where it goes (open addressing). */
  private int labelSlot(Labels labels) {
    Object[] keys = labelKeys;
    int mask = keys.length - 1;
    int slot = System.identityHashCode(labels) & mask;
    while (keys[slot] != null && keys[slot] != labels) {
      slot = (slot + 1) & mask;
    }
    return slot;
  }

  private void growLabels() {
    Object[] keys = labelKeys;
    long[] spans = labelSpans;
    labelKeys = new Object[keys.length * 2];
    labelSpans = new long[keys.length * 2];
    for (int i = 0; i < keys.length; i++) {
      if (keys[i] != null) {
        int slot = labelSlot((Labels) keys[i]);
        labelKeys[slot] = keys[i];
        labelSpans[slot] = spans[i];
      }
    }
  }

  /** Drops this scrape's labels (their offsets mean nothing to the next, and they are garbage). */
  private void forgetLabels() {
    if (labelCount > 0) {
      Arrays.fill(labelKeys, null);
      labelCount = 0;
    }
  }

  /**
   * One state of a state set, up to the value: names written as they are (the library neither
   * quotes nor checks them here).
   */
  private void stateLine(byte[] name, StateSetSnapshot.StateSetDataPointSnapshot data, int state) {
    put(name);
    put((byte) '{');
    Labels labels = data.getLabels();
    encodePairs(labels, false);
    if (labels.size() > 0) {
      put((byte) ',');
    }
    put(name);
    put((byte) '=');
    put((byte) '"');
    escaped(data.getName(state));
    put((byte) '"');
    put((byte) '}');
    put((byte) ' ');
    put(data.isTrue(state) ? (byte) '1' : (byte) '0');
  }

  /** A label name: as is when a legacy one ({@code [a-zA-Z_][a-zA-Z0-9_]*}), else quoted. */
  private void labelName(String name) {
    int n = name.length();
    ensure(n);
    byte[] b = buf;
    int p = len;
    for (int i = 0; i < n; i++) {
      char c = name.charAt(i);
      if (c >= 128 || !LABEL_CHAR[c] || (i == 0 && c <= '9')) {
        quoted(name); // what was copied is overwritten: len has not moved
        return;
      }
      b[p++] = (byte) c;
    }
    if (n == 0) {
      quoted(name);
      return;
    }
    len = p;
  }

  private void quoted(String s) {
    put((byte) '"');
    escaped(s);
    put((byte) '"');
  }

  // ---- Strings: UTF-8 as OutputStreamWriter encodes it (a lone surrogate becomes '?')

  /** {@code s} with {@code \}, {@code "} and newline escaped: label values, OpenMetrics HELP. */
  private void escaped(String s) {
    encode(s, PLAIN_VALUE, true);
  }

  /** {@code s} with {@code \} and newline escaped: the text format's HELP. */
  private void escapedHelp(String s) {
    encode(s, PLAIN_HELP, true);
  }

  private void utf8(String s) {
    encode(s, null, false);
  }

  /** Constants known to be ASCII. */
  private void ascii(String s) {
    int n = s.length();
    ensure(n);
    byte[] b = buf;
    int p = len;
    for (int i = 0; i < n; i++) {
      b[p++] = (byte) s.charAt(i);
    }
    len = p;
  }

  /**
   * {@code s} in UTF-8; with {@code escape}, the ASCII that {@code plain} does not keep as is
   * becomes a backslash and the char ({@code n} for a newline).
   */
  private void encode(String s, boolean[] plain, boolean escape) {
    int n = s.length();
    ensure(3 * n); // the most a char takes: 2 bytes escaped, 3 in UTF-8, 4 for a pair of 2
    byte[] b = buf;
    int p = len;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x80) {
        if (!escape || plain[c]) {
          b[p++] = (byte) c;
        } else {
          b[p++] = '\\';
          b[p++] = c == '\n' ? (byte) 'n' : (byte) c;
        }
      } else if (c < 0x800) {
        b[p++] = (byte) (0xc0 | (c >> 6));
        b[p++] = (byte) (0x80 | (c & 0x3f));
      } else if (!Character.isSurrogate(c)) {
        b[p++] = (byte) (0xe0 | (c >> 12));
        b[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
        b[p++] = (byte) (0x80 | (c & 0x3f));
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        int cp = Character.toCodePoint(c, s.charAt(++i));
        b[p++] = (byte) (0xf0 | (cp >> 18));
        b[p++] = (byte) (0x80 | ((cp >> 12) & 0x3f));
        b[p++] = (byte) (0x80 | ((cp >> 6) & 0x3f));
        b[p++] = (byte) (0x80 | (cp & 0x3f));
      } else {
        b[p++] = '?';
      }
    }
    len = p;
  }

  // ---- Numbers

  /**
   * As the library: {@code +Inf}, {@code -Inf}, else {@link Double#toString(double)}, which writes
   * an integer below 2^53 exactly, trailing zeros aside: {@code 42.0}, {@code 1.2345E10}.
   */
  private void writeDouble(double d) {
    long l = (long) d;
    // An integer below 2^53 (Double.compare: and not -0.0, nor NaN).
    if (l > -EXACT && l < EXACT && Double.compare((double) l, d) == 0) {
      if (l > -10_000_000L && l < 10_000_000L) {
        writeLong(l);
        put((byte) '.');
        put((byte) '0');
      } else {
        scientific(l);
      }
    } else if (d == Double.POSITIVE_INFINITY) {
      put(PLUS_INF);
    } else if (d == Double.NEGATIVE_INFINITY) {
      put(MINUS_INF);
    } else {
      ascii(Double.toString(d));
    }
  }

  /**
   * An integer of 8 to 16 digits as {@link Double#toString(double)} writes it: {@code d.dddE<n>},
   * without trailing zeros ({@code 1.0E7} for 10^7).
   */
  private void scientific(long v) {
    ensure(24);
    if (v < 0) {
      buf[len++] = '-';
      v = -v;
    }
    int first = len;
    len = first + 1; // the digits one byte on, then the first moved before the point
    positive(v);
    byte[] b = buf;
    int exponent = len - first - 2;
    int end = len;
    while (b[end - 1] == '0') {
      end--;
    }
    b[first] = b[first + 1];
    b[first + 1] = '.';
    int p = end;
    if (end == first + 2) {
      b[p++] = '0';
    }
    b[p++] = 'E';
    len = p;
    positive(exponent);
  }

  private void writeLong(long v) {
    ensure(20);
    if (v < 0) {
      if (v == Long.MIN_VALUE) {
        put(LONG_MIN);
        return;
      }
      buf[len++] = '-';
      v = -v;
    }
    positive(v);
  }

  /**
   * The digits of {@code v >= 0}, room for them ensured. No long division by 10 per digit (C1
   * compiles it to a slow divide): 9 digits at a time, each a multiplication and a shift.
   */
  private void positive(long v) {
    if (v <= Integer.MAX_VALUE) {
      int x = (int) v;
      len = digits(x, len + digitCount(x));
    } else {
      long high = v / 1_000_000_000L;
      positive(high);
      len = digits((int) (v - high * 1_000_000_000L), len + 9);
    }
  }

  /** The digits of {@code 0 <= x < 2^31} ending before {@code end} (zeros to its left if room). */
  private int digits(int x, int end) {
    byte[] b = buf;
    for (int i = end - 1; i >= len; i--) {
      int q = (int) ((x * 0xCCCCCCCDL) >>> 35); // x / 10 for any x < 2^32
      b[i] = (byte) ('0' + x - q * 10);
      x = q;
    }
    return end;
  }

  private static int digitCount(int x) {
    int n = 1;
    for (int limit = 10; n < 10 && x >= limit; limit *= 10) {
      n++;
    }
    return n;
  }

  /** Milliseconds as seconds with 3 decimals, as the library (negative ones included). */
  private void timestamp(long millis) {
    writeLong(millis / 1000);
    put((byte) '.');
    long ms = millis % 1000;
    if (ms < 100) {
      put((byte) '0');
    }
    if (ms < 10) {
      put((byte) '0');
    }
    writeLong(ms);
  }

  // ---- The buffer

  private void put(byte c) {
    if (len == buf.length) {
      grow(1);
    }
    buf[len++] = c;
  }

  private void put(byte[] bytes) {
    ensure(bytes.length);
    System.arraycopy(bytes, 0, buf, len, bytes.length);
    len += bytes.length;
  }

  private void ensure(int more) {
    if (buf.length - len < more) {
      grow(more);
    }
  }

  private void grow(int more) {
    buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + more));
  }

  private static byte[] bytes(String constant) {
    return constant.getBytes(StandardCharsets.US_ASCII);
  }
}
