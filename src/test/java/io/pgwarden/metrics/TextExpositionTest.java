package io.pgwarden.metrics;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.LongTaskTimer;
import io.micrometer.core.instrument.Measurement;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MockClock;
import io.micrometer.core.instrument.Statistic;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pgwarden.http.Response;
import io.prometheus.metrics.config.PrometheusPropertiesLoader;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplar;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot.InfoDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.NativeHistogramBuckets;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot;
import io.prometheus.metrics.model.snapshots.StateSetSnapshot.StateSetDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import io.prometheus.metrics.model.snapshots.SummarySnapshot.SummaryDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Unit;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot;
import io.prometheus.metrics.model.snapshots.UnknownSnapshot.UnknownDataPointSnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** TextExposition writes the library writers' bytes, as PrometheusMeterRegistry builds them. */
class TextExpositionTest {
  /** The writers PrometheusMeterRegistry(PrometheusConfig.DEFAULT) makes and picks. */
  static final ExpositionFormats LIBRARY =
      ExpositionFormats.init(
          PrometheusPropertiesLoader.load(PrometheusConfig.DEFAULT.prometheusProperties()));

  /** Tag values and help texts that need escaping or are not ASCII. */
  static final String[] AWKWARD = {
    "",
    "plain",
    "back\\slash",
    "a \"quote\"",
    "new\nline",
    "\\\"\n\\n",
    "carriage\rreturn\ttab",
    "café",
    "日本語",
    "emoji 😀 pair",
    "lone high \uD800 surrogate",
    "lone low \uDC00",
    "ends high \uD83D",
    "\uDE00 starts low",
    "#{}=, ",
  };

  final TextExposition exposition = new TextExposition();

  static byte[] library(MetricSnapshots snapshots, ExpositionFormat format) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    LIBRARY.findWriter(format.contentType()).write(out, snapshots);
    return out.toByteArray();
  }

  /** Both formats, byte for byte; the text first, for a readable difference. */
  void assertSameBytes(MetricSnapshots snapshots) throws IOException {
    for (ExpositionFormat format : ExpositionFormat.values()) {
      byte[] expected = library(snapshots, format);
      byte[] actual = exposition.write(snapshots, format);
      assertThat(new String(actual, UTF_8))
          .as(format.name())
          .isEqualTo(new String(expected, UTF_8));
      assertThat(actual).as(format.name()).isEqualTo(expected);
    }
  }

  @Test
  void writersAreMicrometers() {
    assertThat(LIBRARY.findWriter(ExpositionFormat.PROMETHEUS_TEXT.contentType()))
        .isSameAs(LIBRARY.getPrometheusTextFormatWriter());
    assertThat(LIBRARY.findWriter(ExpositionFormat.OPENMETRICS.contentType()))
        .isSameAs(LIBRARY.getOpenMetricsTextFormatWriter());
  }

  @Test
  void empty() throws IOException {
    MetricSnapshots none = MetricSnapshots.of();
    assertSameBytes(none);
    assertThat(exposition.write(none, ExpositionFormat.PROMETHEUS_TEXT)).isEmpty();
    assertThat(new String(exposition.write(none, ExpositionFormat.OPENMETRICS), UTF_8))
        .isEqualTo("# EOF\n");
    // A family without points is left out.
    assertSameBytes(MetricSnapshots.of(GaugeSnapshot.builder().name("nothing").build()));
  }

  /** Every kind of Micrometer meter, with tags and descriptions that need escaping. */
  static PrometheusMeterRegistry micrometer() {
    PrometheusMeterRegistry r =
        new PrometheusMeterRegistry(
            PrometheusConfig.DEFAULT, new PrometheusRegistry(), new MockClock());
    for (int i = 0; i < AWKWARD.length; i++) {
      Counter.builder("pgwarden.test.events")
          .description("Events, with a \\ and a\nnewline and a \"quote\".")
          .tag("kind", AWKWARD[i])
          .register(r)
          .increment(i * 1.5);
    }
    Counter.builder("pgwarden.test.bare").register(r);
    double[] values = {
      0,
      -0.0,
      1,
      -1,
      0.1,
      1.0 / 3,
      42,
      9_999_999,
      10_000_000,
      -10_000_000,
      12345678901.0,
      1e-4,
      1e22,
      1e300,
      Double.MIN_VALUE,
      Double.MAX_VALUE,
      Long.MAX_VALUE,
      Double.NaN,
      Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY
    };
    for (int i = 0; i < values.length; i++) {
      double v = values[i];
      Gauge.builder("pgwarden.test.value", () -> v)
          .description("Values: é ü 😀")
          .tag("i", Integer.toString(i))
          .tag("db", AWKWARD[i % AWKWARD.length])
          .register(r);
    }
    Gauge.builder("pgwarden.test.bytes", () -> 1.5e9).baseUnit("bytes").register(r);
    TimeGauge.builder("pgwarden.test.age", () -> 1500, TimeUnit.MILLISECONDS).register(r);

    Timer plain = Timer.builder("pgwarden.test.latency").tag("op", "read").register(r);
    plain.record(Duration.ofMillis(7));
    plain.record(Duration.ofMillis(250));
    Timer percentiles =
        Timer.builder("pgwarden.test.percentiles").publishPercentiles(0.5, 0.99).register(r);
    Timer histogram =
        Timer.builder("pgwarden.test.histogram")
            .publishPercentileHistogram()
            .serviceLevelObjectives(Duration.ofMillis(100))
            .register(r);
    for (int ms = 1; ms <= 300; ms += 7) {
      percentiles.record(Duration.ofMillis(ms));
      histogram.record(Duration.ofMillis(ms));
    }
    DistributionSummary size =
        DistributionSummary.builder("pgwarden.test.size").baseUnit("bytes").register(r);
    size.record(100);
    size.record(12345.678);
    DistributionSummary buckets =
        DistributionSummary.builder("pgwarden.test.rows")
            .serviceLevelObjectives(1, 10, 100)
            .publishPercentiles(0.9)
            .register(r);
    buckets.record(5);
    buckets.record(50);
    AtomicLong source = new AtomicLong(17);
    FunctionCounter.builder("pgwarden.test.function", source, AtomicLong::doubleValue)
        .description("A function counter.")
        .tag("tag", "x")
        .register(r);
    FunctionTimer.builder(
            "pgwarden.test.ftimer",
            source,
            AtomicLong::get,
            s -> s.get() * 3.0,
            TimeUnit.MILLISECONDS)
        .register(r);
    LongTaskTimer.builder("pgwarden.test.task").register(r).start();
    Meter.builder(
            "pgwarden.test.custom",
            Meter.Type.OTHER,
            List.of(
                new Measurement(() -> 3, Statistic.COUNT),
                new Measurement(() -> 4.5, Statistic.TOTAL),
                new Measurement(() -> 6, Statistic.VALUE)))
        .register(r);
    return r;
  }

  @Test
  void aMicrometerRegistry() throws IOException {
    PrometheusMeterRegistry r = micrometer();
    assertSameBytes(r.getPrometheusRegistry().scrape());
    // And against Micrometer's own scrape (nothing moves: the clock is a mock).
    for (ExpositionFormat format : ExpositionFormat.values()) {
      byte[] ours = exposition.write(r.getPrometheusRegistry().scrape(), format);
      assertThat(new String(ours, UTF_8)).isEqualTo(r.scrape(format.contentType()));
    }
  }

  @Test
  void theEndpointServesThem() {
    PrometheusMeterRegistry r = micrometer();
    try (MetricsEndpoint endpoint = new MetricsEndpoint(r)) {
      for (ExpositionFormat format : ExpositionFormat.values()) {
        Response response = endpoint.scrape(format);
        assertThat(response.status()).isEqualTo(HttpResponseStatus.OK);
        assertThat(response.contentType()).isEqualTo(format.contentType());
        assertThat(response.body()).isEqualTo(r.scrape(format.contentType()));
      }
    }
  }

  @Test
  void aFailingCollectorIsA500() {
    PrometheusMeterRegistry r = micrometer();
    r.getPrometheusRegistry()
        .register(
            (MultiCollector)
                () -> {
                  throw new IllegalStateException("boom");
                });
    try (MetricsEndpoint endpoint = new MetricsEndpoint(r)) {
      Response response = endpoint.scrape(ExpositionFormat.OPENMETRICS);
      assertThat(response.status()).isEqualTo(HttpResponseStatus.INTERNAL_SERVER_ERROR);
      assertThat(response.body()).isEqualTo("scrape failed");
    }
  }

  static Labels labels(String... namesAndValues) {
    return Labels.of(namesAndValues);
  }

  static Exemplar exemplar(double value, long timestamp, String... labels) {
    Exemplar.Builder b = Exemplar.builder().value(value).labels(Labels.of(labels));
    if (timestamp != 0) {
      b.timestampMillis(timestamp);
    }
    return b.build();
  }

  @Test
  void countersAndGauges() throws IOException {
    String help = "Help with a \\ backslash,\na newline, a \"quote\" and é.";
    CounterSnapshot.Builder counter = CounterSnapshot.builder().name("requests").help(help);
    long[] timestamps = {0, 1, 5, 12, 99, 100, 123, 999, 1000, 1001, 1712345678901L};
    for (int i = 0; i < AWKWARD.length; i++) {
      CounterDataPointSnapshot.Builder point =
          CounterDataPointSnapshot.builder()
              .labels(labels("path", AWKWARD[i], "code", Integer.toString(i)))
              .value(i == 3 ? Double.NaN : i * 0.7);
      if (i % 2 == 1) {
        point.scrapeTimestampMillis(timestamps[i % timestamps.length]);
      }
      if (i % 3 == 0) {
        point.exemplar(exemplar(i, i == 0 ? 0 : 1712345678901L + i, "trace_id", "abc" + i));
      }
      if (i % 2 == 0) {
        point.createdTimestampMillis(1700000000000L); // not written: as in the library's default
      }
      counter.dataPoint(point.build());
    }
    counter.dataPoint(CounterDataPointSnapshot.builder().value(Double.POSITIVE_INFINITY).build());

    GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name("temperature_celsius");
    gauge.unit(Unit.CELSIUS).help("");
    for (int i = 0; i < timestamps.length; i++) {
      gauge.dataPoint(
          GaugeDataPointSnapshot.builder()
              .labels(labels("i", Integer.toString(i)))
              .value(-i * 1.25)
              .scrapeTimestampMillis(timestamps[i])
              .exemplar(i == 2 ? exemplar(-2.5, 0) : i == 3 ? exemplar(1, -1500, "a", "b") : null)
              .build());
    }
    assertSameBytes(
        MetricSnapshots.of(
            counter.build(),
            gauge.build(),
            CounterSnapshot.builder()
                .name("bytes_read_bytes")
                .unit(Unit.BYTES)
                .dataPoint(CounterDataPointSnapshot.builder().value(1e12).build())
                .build()));
  }

  @Test
  void namesTheLibraryRewrites() throws IOException {
    List<MetricSnapshot> snapshots = new ArrayList<>();
    // A counter given its full name, and one whose base name already ends with _total.
    snapshots.add(
        new CounterSnapshot(
            new MetricMetadata("events", "events_total", "events_total", "Events.", null),
            List.of(CounterDataPointSnapshot.builder().value(1).build())));
    snapshots.add(
        new CounterSnapshot(
            new MetricMetadata("jobs", "jobs", "jobs", "Jobs.", null),
            List.of(CounterDataPointSnapshot.builder().value(2).build())));
    // Gauges from a counter's and a created timestamp's original (dotted) names.
    snapshots.add(
        new GaugeSnapshot(
            new MetricMetadata("cpu_total", "cpu_total", "cpu.total", "CPU.", null),
            List.of(GaugeDataPointSnapshot.builder().value(3).build())));
    snapshots.add(
        new GaugeSnapshot(
            new MetricMetadata("start_created", "start_created", "start.created", null, null),
            List.of(GaugeDataPointSnapshot.builder().value(4).build())));
    // Dotted and otherwise non-legacy names: metric and label names.
    snapshots.add(
        GaugeSnapshot.builder()
            .name("my.dotted.gauge")
            .help("Dotted.")
            .dataPoint(
                GaugeDataPointSnapshot.builder()
                    .labels(labels("a.b", "1", "c:d", "2", "é", "3", "_x", "4", "1st", "5"))
                    .value(5)
                    .build())
            .dataPoint(
                GaugeDataPointSnapshot.builder()
                    .labels(labels("a.b", "9", "c:d", "2", "é", "3", "_x", "4", "1st", "5"))
                    .value(5.5)
                    .build())
            .build());
    snapshots.add(
        GaugeSnapshot.builder()
            .name("with:colon")
            .dataPoint(GaugeDataPointSnapshot.builder().value(6).build())
            .build());
    // Infos: a name without and with _info.
    snapshots.add(
        new InfoSnapshot(
            new MetricMetadata("build", "build", "build", "Build.", null),
            List.of(
                InfoDataPointSnapshot.builder()
                    .labels(labels("version", "1.0", "commit", "a\"b"))
                    .build())));
    snapshots.add(
        new InfoSnapshot(
            new MetricMetadata("target", "target_info", "target_info", null, null),
            List.of(InfoDataPointSnapshot.builder().build())));
    snapshots.add(
        InfoSnapshot.builder()
            .name("jvm.runtime")
            .dataPoint(InfoDataPointSnapshot.builder().labels(labels("vendor", "x")).build())
            .build());
    assertSameBytes(new MetricSnapshots(snapshots));
  }

  @Test
  void histograms() throws IOException {
    ClassicHistogramBuckets classic =
        ClassicHistogramBuckets.of(
            new double[] {0.005, 0.1, 1, 2.5, 10_000_000, Double.POSITIVE_INFINITY},
            new long[] {1, 0, 5, 2, 0, 3});
    HistogramDataPointSnapshot withExemplars =
        HistogramDataPointSnapshot.builder()
            .classicHistogramBuckets(classic)
            .sum(12.75)
            .labels(labels("path", "/a\\b"))
            .exemplars(
                Exemplars.of(
                    exemplar(0.003, 1712345678000L, "trace_id", "t1"),
                    exemplar(0.7, 1712345679000L, "trace_id", "t2", "span_id", "s"),
                    exemplar(50, 0)))
            .scrapeTimestampMillis(1712345680123L)
            .build();
    HistogramDataPointSnapshot noSum =
        HistogramDataPointSnapshot.builder()
            .classicHistogramBuckets(classic)
            .labels(labels("path", "/c"))
            .build();
    HistogramDataPointSnapshot nativeOnly =
        HistogramDataPointSnapshot.builder()
            .nativeSchema(3)
            .nativeZeroCount(2)
            .nativeZeroThreshold(1e-9)
            .nativeBucketsForPositiveValues(
                NativeHistogramBuckets.builder().bucket(1, 4).bucket(3, 1).build())
            .sum(7.5)
            .labels(labels("path", "/native"))
            .build();
    HistogramDataPointSnapshot unlabelled =
        HistogramDataPointSnapshot.builder().classicHistogramBuckets(classic).sum(-1).build();
    MetricSnapshot histogram =
        HistogramSnapshot.builder()
            .name("request_duration_seconds")
            .unit(Unit.SECONDS)
            .help("Durations.")
            .dataPoint(withExemplars)
            .dataPoint(noSum)
            .dataPoint(nativeOnly)
            .dataPoint(unlabelled)
            .build();
    MetricSnapshot gaugeHistogram =
        HistogramSnapshot.builder()
            .name("queue_size")
            .gaugeHistogram(true)
            .help("Queue.")
            .dataPoint(withExemplars)
            .dataPoint(noSum)
            .dataPoint(nativeOnly)
            .build();
    MetricSnapshot gaugeHistogramNoSum =
        HistogramSnapshot.builder().name("lag").gaugeHistogram(true).dataPoint(noSum).build();
    assertSameBytes(MetricSnapshots.of(histogram, gaugeHistogram, gaugeHistogramNoSum));
  }

  @Test
  void summaries() throws IOException {
    Quantiles quantiles =
        Quantiles.of(new Quantile(0.5, 0.25), new Quantile(0.9, Double.NaN), new Quantile(0.99, 3));
    Exemplars exemplars =
        Exemplars.of(
            exemplar(0.1, 1712345678000L, "trace_id", "a"),
            exemplar(0.2, 1712345679000L, "trace_id", "b"),
            exemplar(0.3, 0, "trace_id", "c"));
    MetricSnapshot summary =
        SummarySnapshot.builder()
            .name("rpc_seconds")
            .help("RPCs.")
            .dataPoint(
                SummaryDataPointSnapshot.builder()
                    .labels(labels("m", "get"))
                    .quantiles(quantiles)
                    .count(10)
                    .sum(4.5)
                    .exemplars(exemplars)
                    .scrapeTimestampMillis(1712345680007L)
                    .build())
            .dataPoint(
                SummaryDataPointSnapshot.builder().labels(labels("m", "count")).count(3).build())
            .dataPoint(
                SummaryDataPointSnapshot.builder().labels(labels("m", "sum")).sum(1.5).build())
            .dataPoint(SummaryDataPointSnapshot.builder().labels(labels("m", "none")).build())
            .dataPoint(
                SummaryDataPointSnapshot.builder()
                    .labels(labels("m", "quantiles"))
                    .quantiles(quantiles)
                    .build())
            .build();
    MetricSnapshot empty =
        SummarySnapshot.builder()
            .name("never_seen")
            .help("Only points without data: no metadata either.")
            .dataPoint(SummaryDataPointSnapshot.builder().build())
            .build();
    assertSameBytes(MetricSnapshots.of(summary, empty));
  }

  @Test
  void stateSetsAndUnknowns() throws IOException {
    MetricSnapshot states =
        StateSetSnapshot.builder()
            .name("feature")
            .help("Features.")
            .dataPoint(
                StateSetDataPointSnapshot.builder()
                    .labels(labels("env", "prod\n\"x\""))
                    .state("a", true)
                    .state("b\\c", false)
                    .state("é", true)
                    .build())
            .dataPoint(StateSetDataPointSnapshot.builder().state("only", false).build())
            .build();
    MetricSnapshot dotted =
        StateSetSnapshot.builder()
            .name("dotted.state")
            .dataPoint(
                StateSetDataPointSnapshot.builder()
                    .labels(labels("a.b", "1"))
                    .state("s", true)
                    .scrapeTimestampMillis(42)
                    .build())
            .build();
    MetricSnapshot unknown =
        UnknownSnapshot.builder()
            .name("mystery_widgets")
            .help("?")
            .unit(new Unit("widgets"))
            .dataPoint(
                UnknownDataPointSnapshot.builder()
                    .value(Double.NEGATIVE_INFINITY)
                    .exemplar(exemplar(1, 5, "k", "v\"\\"))
                    .build())
            .build();
    assertSameBytes(MetricSnapshots.of(states, dotted, unknown));
  }

  /** A query's row: one Labels for all its columns, each column a family (encoded once, copied). */
  static List<MetricSnapshot> rows(String prefix, Labels[] rows) {
    List<MetricSnapshot> families = new ArrayList<>();
    for (int c = 0; c < 4; c++) {
      GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name(prefix + "_gauge_" + c);
      CounterSnapshot.Builder counter = CounterSnapshot.builder().name(prefix + "_counter_" + c);
      for (int r = 0; r < rows.length; r++) {
        gauge.dataPoint(
            GaugeDataPointSnapshot.builder().labels(rows[r]).value(r * 1.0e8 + c).build());
        counter.dataPoint(
            CounterDataPointSnapshot.builder()
                .labels(rows[r])
                .value(r + 0.25)
                .exemplar(exemplar(r, 0, "trace_id", "x"))
                .build());
      }
      families.add(gauge.build());
      families.add(counter.build());
    }
    HistogramSnapshot.Builder histogram = HistogramSnapshot.builder().name(prefix + "_histogram");
    for (Labels row : rows) {
      histogram.dataPoint(
          HistogramDataPointSnapshot.builder()
              .labels(row)
              .classicHistogramBuckets(
                  ClassicHistogramBuckets.of(
                      new double[] {1, Double.POSITIVE_INFINITY}, new long[] {1, 2}))
              .sum(3)
              .build());
    }
    families.add(histogram.build());
    return families;
  }

  static Labels[] randomRows(Random random, int n) {
    Labels[] rows = new Labels[n];
    for (int i = 0; i < n; i++) {
      rows[i] = randomLabels(random, i);
    }
    return rows;
  }

  @Test
  void labelsSharedByFamilies() throws IOException {
    Random random = new Random(11);
    Labels[] rows = randomRows(random, 700); // past the first table size, and a buffer growth
    List<MetricSnapshot> families = rows("query", rows);
    families.addAll(rows("other", randomRows(random, 3)));
    assertSameBytes(new MetricSnapshots(families));
  }

  @Test
  void aFailedWriteLeavesNothingBehind() throws IOException {
    Labels[] rows = randomRows(new Random(3), 20);
    List<MetricSnapshot> failing = new ArrayList<>(rows("a", rows));
    failing.add(
        GaugeSnapshot.builder()
            .name("b_bytes")
            .unit(Unit.BYTES)
            .dataPoint(GaugeDataPointSnapshot.builder().value(1).build())
            .build());
    failing.add(
        GaugeSnapshot.builder()
            .name("b_bytes")
            .dataPoint(GaugeDataPointSnapshot.builder().labels(labels("x", "y")).value(2).build())
            .build());
    assertThatThrownBy(
            () -> exposition.write(new MetricSnapshots(failing), ExpositionFormat.OPENMETRICS))
        .isInstanceOf(IllegalArgumentException.class);
    // The same Labels objects again, elsewhere in the body: written, not copied from the last one.
    List<MetricSnapshot> again = new ArrayList<>(rows("0_first", randomRows(new Random(4), 20)));
    again.addAll(rows("z", rows));
    assertSameBytes(new MetricSnapshots(again));
  }

  static MultiCollector gauges(String name, String help, String label, int from, int to) {
    return () -> {
      GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
      for (int i = from; i < to; i++) {
        b.dataPoint(
            GaugeDataPointSnapshot.builder()
                .labels(labels(label, Integer.toString(i)))
                .value(i)
                .build());
      }
      return MetricSnapshots.of(b.build());
    };
  }

  @Test
  void duplicatesAcrossCollectors() throws IOException {
    PrometheusRegistry registry = new PrometheusRegistry();
    registry.register(gauges("shared", "From the first.", "i", 5, 8));
    registry.register(gauges("alone", "Alone.", "i", 0, 2));
    registry.register(gauges("shared", "From the second.", "i", 0, 5));
    registry.register(
        () ->
            MetricSnapshots.of(
                CounterSnapshot.builder()
                    .name("hits")
                    .dataPoint(
                        CounterDataPointSnapshot.builder()
                            .labels(labels("n", "2"))
                            .value(2)
                            .build())
                    .build()));
    registry.register(
        () ->
            MetricSnapshots.of(
                CounterSnapshot.builder()
                    .name("hits")
                    .dataPoint(
                        CounterDataPointSnapshot.builder()
                            .labels(labels("n", "1"))
                            .value(1)
                            .build())
                    .build()));
    MetricSnapshots snapshots = registry.scrape();
    assertSameBytes(snapshots);
    String text = new String(exposition.write(snapshots, ExpositionFormat.PROMETHEUS_TEXT), UTF_8);
    // One family of 8 points, in label order; the first collector's help (whichever it is).
    assertThat(text.split("# TYPE shared gauge", -1)).hasSize(2);
    assertThat(text).contains("shared{i=\"4\"} 4.0\nshared{i=\"5\"} 5.0\n");
    assertThat(text.split("# TYPE hits_total counter", -1)).hasSize(2);
  }

  @Test
  void duplicatesThatCannotMergeFailAsInTheLibrary() {
    MetricSnapshots conflicting =
        MetricSnapshots.of(
            GaugeSnapshot.builder()
                .name("size_bytes")
                .unit(Unit.BYTES)
                .dataPoint(GaugeDataPointSnapshot.builder().value(1).build())
                .build(),
            GaugeSnapshot.builder()
                .name("size_bytes")
                .dataPoint(
                    GaugeDataPointSnapshot.builder().labels(labels("a", "b")).value(2).build())
                .build());
    for (ExpositionFormat format : ExpositionFormat.values()) {
      assertThatThrownBy(() -> library(conflicting, format))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> exposition.write(conflicting, format))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void numbersAsDoubleToString() throws IOException {
    GaugeSnapshot.Builder gauge = GaugeSnapshot.builder().name("numbers");
    int i = 0;
    for (int v = -10_000_050; v <= 10_000_050; v += 99_991) {
      gauge.dataPoint(point(i++, v));
    }
    for (int v : new int[] {-10_000_000, -9_999_999, -1, 0, 1, 9, 10, 99, 100, 9_999_999}) {
      gauge.dataPoint(point(i++, v));
      gauge.dataPoint(point(i++, v + 0.5));
    }
    long[] large = {
      10_000_000,
      10_000_001,
      12_345_678,
      99_999_999,
      100_000_000,
      1L << 40,
      (1L << 53) - 1,
      1L << 53,
      (1L << 53) + 2,
      1L << 62,
      Long.MAX_VALUE
    };
    for (long v : large) {
      gauge.dataPoint(point(i++, (double) v));
      gauge.dataPoint(point(i++, (double) -v));
    }
    Random random = new Random(42);
    for (int k = 0; k < 2000; k++) {
      gauge.dataPoint(point(i++, Double.longBitsToDouble(random.nextLong())));
      gauge.dataPoint(point(i++, random.nextGaussian() * Math.pow(10, random.nextInt(30) - 10)));
      gauge.dataPoint(point(i++, (double) random.nextInt(20_000_000) - 10_000_000));
    }
    assertSameBytes(MetricSnapshots.of(gauge.build()));
  }

  static GaugeDataPointSnapshot point(int i, double value) {
    return GaugeDataPointSnapshot.builder()
        .labels(labels("i", Integer.toString(i)))
        .value(value)
        .build();
  }

  /** Random families of every kind, random label values and help texts. */
  @Test
  void randomSnapshots() throws IOException {
    Random random = new Random(7);
    for (int round = 0; round < 50; round++) {
      List<MetricSnapshot> snapshots = new ArrayList<>();
      for (int f = 0; f < 12; f++) {
        snapshots.add(randomFamily(random, "family_" + round + "_" + f));
      }
      assertSameBytes(new MetricSnapshots(snapshots));
    }
  }

  static String randomText(Random random) {
    String[] alphabet = {
      "a", "Z", "_", "0", "9", " ", "\\", "\"", "\n", "\r", "\t", "é", "日", "😀", "{", "}", "=",
      ",", "#", "\uD800", "\uDC00"
    };
    StringBuilder b = new StringBuilder();
    for (int n = random.nextInt(12); n > 0; n--) {
      b.append(alphabet[random.nextInt(alphabet.length)]);
    }
    return b.toString();
  }

  static Labels randomLabels(Random random, int i) {
    List<String> names = new ArrayList<>();
    List<String> values = new ArrayList<>();
    names.add("i");
    values.add(Integer.toString(i));
    String[] more = {"db", "schema", "a.b", "x:y", "app_name"};
    for (String name : more) {
      if (random.nextBoolean()) {
        names.add(name);
        values.add(randomText(random));
      }
    }
    return Labels.of(names, values);
  }

  static double randomValue(Random random) {
    return switch (random.nextInt(6)) {
      case 0 -> random.nextInt(1000);
      case 1 -> Double.NaN;
      case 2 -> random.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
      case 3 -> random.nextDouble() * 1e12;
      default -> random.nextGaussian();
    };
  }

  static MetricSnapshot randomFamily(Random random, String name) {
    String help = random.nextBoolean() ? randomText(random) : null;
    int points = 1 + random.nextInt(4);
    switch (random.nextInt(7)) {
      case 0 -> {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        for (int i = 0; i < points; i++) {
          b.dataPoint(
              CounterDataPointSnapshot.builder()
                  .labels(randomLabels(random, i))
                  .value(Math.abs(randomValue(random)))
                  .build());
        }
        return b.build();
      }
      case 1 -> {
        GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
        for (int i = 0; i < points; i++) {
          b.dataPoint(
              GaugeDataPointSnapshot.builder()
                  .labels(randomLabels(random, i))
                  .value(randomValue(random))
                  .build());
        }
        return b.build();
      }
      case 2 -> {
        HistogramSnapshot.Builder b =
            HistogramSnapshot.builder().name(name).help(help).gaugeHistogram(random.nextBoolean());
        for (int i = 0; i < points; i++) {
          b.dataPoint(
              HistogramDataPointSnapshot.builder()
                  .labels(randomLabels(random, i))
                  .classicHistogramBuckets(
                      ClassicHistogramBuckets.of(
                          new double[] {random.nextDouble(), 10, Double.POSITIVE_INFINITY},
                          new long[] {random.nextInt(5), random.nextInt(5), random.nextInt(5)}))
                  .sum(random.nextDouble() * 100)
                  .build());
        }
        return b.build();
      }
      case 3 -> {
        SummarySnapshot.Builder b = SummarySnapshot.builder().name(name).help(help);
        for (int i = 0; i < points; i++) {
          b.dataPoint(
              SummaryDataPointSnapshot.builder()
                  .labels(randomLabels(random, i))
                  .quantiles(Quantiles.of(new Quantile(0.5, randomValue(random))))
                  .count(random.nextInt(100))
                  .sum(random.nextDouble())
                  .build());
        }
        return b.build();
      }
      case 4 -> {
        InfoSnapshot.Builder b = InfoSnapshot.builder().name(name).help(help);
        for (int i = 0; i < points; i++) {
          b.dataPoint(InfoDataPointSnapshot.builder().labels(randomLabels(random, i)).build());
        }
        return b.build();
      }
      case 5 -> {
        StateSetSnapshot.Builder b = StateSetSnapshot.builder().name(name).help(help);
        for (int i = 0; i < points; i++) {
          b.dataPoint(
              StateSetDataPointSnapshot.builder()
                  .labels(randomLabels(random, i))
                  .state(randomText(random) + "s", random.nextBoolean())
                  .build());
        }
        return b.build();
      }
      default -> {
        UnknownSnapshot.Builder b = UnknownSnapshot.builder().name(name).help(help);
        for (int i = 0; i < points; i++) {
          b.dataPoint(
              UnknownDataPointSnapshot.builder()
                  .labels(randomLabels(random, i))
                  .value(randomValue(random))
                  .build());
        }
        return b.build();
      }
    }
  }

  @Test
  void aLargeBodyThenASmallOne() throws IOException {
    // past the 1 MiB buffer kept between scrapes
    GaugeSnapshot.Builder big = GaugeSnapshot.builder().name("big");
    for (int i = 0; i < 60_000; i++) {
      big.dataPoint(point(i, i * 1.5));
    }
    assertSameBytes(MetricSnapshots.of(big.build()));
    assertSameBytes(MetricSnapshots.of(GaugeSnapshot.builder().name("small").build()));
    assertSameBytes(
        MetricSnapshots.of(GaugeSnapshot.builder().name("small").dataPoint(point(1, 1)).build()));
  }
}
