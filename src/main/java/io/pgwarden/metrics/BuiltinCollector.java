package io.pgwarden.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CloudNativePG's built-in metrics ({@code cnpg_collector_*}), read from postgres at scrape time as
 * its {@code metricserver/pg_collector.go} does: one collector label per reading ({@code
 * Collect.up}, {@code Collect.PGVersion}…), a failed reading counted in {@code
 * collection_errors_total} and left out of the scrape, never an exception out of {@link
 * #collect()}. When postgres does not answer, {@code up} is 0 and only the metrics that need no SQL
 * are exported.
 *
 * <p>Standalone, pgwarden is never fenced nor a replica cluster; the WAL volume size is unknown
 * (NaN), as in CloudNativePG without a separate WAL volume.
 */
public final class BuiltinCollector implements MultiCollector, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BuiltinCollector.class);

  private final PostgresReadings postgres;
  private final String cluster;
  private final LongSupplier nanoTime;
  private final Object lock = new Object();
  private long collections;
  private boolean lastError;
  private final Map<String, Long> errors = new TreeMap<>();
  private final Map<String, Double> durations = new TreeMap<>();
  private final Map<String, Labels> collectorLabels = new HashMap<>();
  private final Labels clusterLabels;

  private static final Map<MetricNames.Name, MetricMetadata> METADATA = new ConcurrentHashMap<>();
  private static final Labels VALUE_COUNT = Labels.of("value", "count");
  private static final Labels VALUE_DONE = Labels.of("value", "done");
  private static final Labels VALUE_EXPECTED = Labels.of("value", "expected");
  private static final Labels VALUE_KEEP = Labels.of("value", "keep");
  private static final Labels VALUE_MAX = Labels.of("value", "max");
  private static final Labels VALUE_MIN = Labels.of("value", "min");
  private static final Labels VALUE_OBSERVED = Labels.of("value", "observed");
  private static final Labels VALUE_READY = Labels.of("value", "ready");
  private static final Labels VALUE_SIZE = Labels.of("value", "size");
  private static final Labels VALUE_SLOTS_MAX = Labels.of("value", "slots_max");
  private static final Labels VALUE_VOLUME_MAX = Labels.of("value", "volume_max");
  private static final Labels VALUE_VOLUME_SIZE = Labels.of("value", "volume_size");

  /** The metrics that are constant standalone (immutable snapshots, shared by every scrape). */
  private static final List<MetricSnapshot> CONSTANT =
      List.of(
          gauge(MetricNames.FENCING_ON, Labels.EMPTY, 0),
          gauge(MetricNames.REPLICA_MODE, Labels.EMPTY, 0),
          gauge(MetricNames.MANUAL_SWITCHOVER_REQUIRED, Labels.EMPTY, 0),
          gauge(MetricNames.NODES_USED, Labels.EMPTY, -1));

  private int versionNum;
  private Labels versionLabels = Labels.EMPTY;
  private double version;

  /**
   * Reads postgres through connections from {@code connections}, one kept between scrapes.
   *
   * @param cluster the {@code cluster} label
   */
  public BuiltinCollector(ConnectionFactory connections, String cluster) {
    this(new JdbcReadings(connections), cluster, System::nanoTime);
  }

  BuiltinCollector(PostgresReadings postgres, String cluster, LongSupplier nanoTime) {
    this.postgres = postgres;
    this.cluster = cluster;
    this.nanoTime = nanoTime;
    this.clusterLabels = Labels.of("cluster", cluster);
  }

  /** Turns a reading's value into metrics. */
  @FunctionalInterface
  private interface Metrics<T> {
    void into(T value, List<MetricSnapshot> out);
  }

  @Override
  public MetricSnapshots collect() {
    synchronized (lock) {
      return collectLocked();
    }
  }

  private MetricSnapshots collectLocked() {
    collections++;
    lastError = false;
    List<MetricSnapshot> out = new ArrayList<>();
    PostgresReadings.Readings readings = postgres.readAll(nanoTime);
    boolean up = use(MetricNames.COLLECT_UP, readings.ping(), out, (v, o) -> {});
    out.add(gauge(MetricNames.UP, clusterLabels, up ? 1 : 0));
    if (up) {
      use(MetricNames.COLLECT_WAL_ARCHIVE, readings.archive(), out, this::archiveStatus);
      use(MetricNames.COLLECT_WAL_SETTINGS, readings.wal(), out, this::walDirectory);
      use(MetricNames.COLLECT_SYNC, readings.sync(), out, this::syncReplicas);
      use(MetricNames.COLLECT_VERSION, readings.version(), out, this::version);
      if (readings.statWal() != null) {
        use(MetricNames.COLLECT_STAT_WAL, readings.statWal(), out, this::statWal);
      }
    }
    out.add(counter(MetricNames.COLLECTIONS_TOTAL, (double) collections));
    out.add(gauge(MetricNames.LAST_COLLECTION_ERROR, Labels.EMPTY, lastError ? 1 : 0));
    if (!errors.isEmpty()) {
      List<CounterSnapshot.CounterDataPointSnapshot> points = new ArrayList<>(errors.size());
      errors.forEach(
          (label, n) ->
              points.add(
                  new CounterSnapshot.CounterDataPointSnapshot(
                      (double) n, collector(label), null, 0L)));
      out.add(new CounterSnapshot(metadata(MetricNames.COLLECTION_ERRORS_TOTAL), points));
    }
    List<GaugeSnapshot.GaugeDataPointSnapshot> points = new ArrayList<>(durations.size());
    durations.forEach((label, seconds) -> points.add(point(collector(label), seconds)));
    out.add(gauge(MetricNames.COLLECTION_DURATION_SECONDS, points));
    out.addAll(CONSTANT);
    return new MetricSnapshots(out);
  }

  /**
   * Adds a reading's metrics, or counts its failure (a value that cannot be turned into metrics is
   * one), and keeps its time; true when it succeeded.
   */
  private <T> boolean use(
      String collector,
      PostgresReadings.Reading<T> reading,
      List<MetricSnapshot> out,
      Metrics<T> metrics) {
    durations.put(collector, reading.nanos() / 1e9);
    Exception failure = reading.error();
    if (failure == null) {
      List<MetricSnapshot> made = new ArrayList<>();
      try {
        metrics.into(reading.value(), made);
        out.addAll(made);
        return true;
      } catch (RuntimeException e) {
        failure = e;
      }
    }
    log.warn("metrics: {} failed: {}", collector, failure.getMessage());
    errors.merge(collector, 1L, Long::sum);
    lastError = true;
    return false;
  }

  private void archiveStatus(PostgresReadings.ArchiveStatus s, List<MetricSnapshot> out) {
    out.add(
        gauge(
            MetricNames.PG_WAL_ARCHIVE_STATUS,
            List.of(point(VALUE_READY, (double) s.ready()), point(VALUE_DONE, (double) s.done()))));
  }

  /** Counts and sizes as CloudNativePG's {@code wal.go}: min, max, keep in segments. */
  private void walDirectory(PostgresReadings.WalDirectory w, List<MetricSnapshot> out) {
    double segment = w.segmentSize();
    out.add(
        gauge(
            MetricNames.PG_WAL,
            List.of(
                point(VALUE_COUNT, (double) w.segments()),
                point(VALUE_SIZE, w.segments() * segment),
                point(VALUE_MIN, w.minWalSize() / segment),
                point(VALUE_MAX, w.maxWalSize() / segment),
                point(VALUE_KEEP, w.keepSize() / segment),
                point(
                    VALUE_SLOTS_MAX,
                    w.maxSlotKeepSize() < 0 ? Double.NaN : w.maxSlotKeepSize() / segment),
                point(VALUE_VOLUME_SIZE, Double.NaN),
                point(VALUE_VOLUME_MAX, Double.NaN))));
  }

  private void syncReplicas(PostgresReadings.SyncReplicas s, List<MetricSnapshot> out) {
    out.add(
        gauge(
            MetricNames.SYNC_REPLICAS,
            List.of(
                point(VALUE_MIN, s.expected()),
                point(VALUE_MAX, s.expected()),
                point(VALUE_EXPECTED, s.expected()),
                point(VALUE_OBSERVED, s.observed()))));
  }

  /** {@code postgres_version{full="15.18"} 15.18}, as CloudNativePG. */
  private void version(int num, List<MetricSnapshot> out) {
    if (num != versionNum) {
      String majorMinor = majorMinor(num);
      versionLabels = Labels.of("cluster", cluster, "full", majorMinor);
      version = Double.parseDouble(majorMinor);
      versionNum = num;
    }
    out.add(gauge(MetricNames.POSTGRES_VERSION, versionLabels, version));
  }

  /** 150018 → "15.18"; 90624 → "9.6" (the minor of 9.x is not exported, as CloudNativePG). */
  static String majorMinor(int versionNum) {
    if (versionNum >= 100000) {
      return String.format(Locale.ROOT, "%d.%d", versionNum / 10000, versionNum % 10000);
    }
    return String.format(Locale.ROOT, "%d.%d", versionNum / 10000, versionNum / 100 % 100);
  }

  private void statWal(Optional<PostgresReadings.StatWal> stat, List<MetricSnapshot> out) {
    if (stat.isEmpty()) {
      return;
    }
    Labels labels = Labels.of("stats_reset", stat.get().statsReset());
    for (int i = 0; i < MetricNames.STAT_WAL.size(); i++) {
      Double value = stat.get().columns().get(i);
      if (value != null) {
        out.add(gauge(MetricNames.STAT_WAL.get(i), labels, value));
      }
    }
  }

  /** Closes the kept connection. */
  @Override
  public void close() {
    if (postgres instanceof AutoCloseable c) {
      try {
        c.close();
      } catch (Exception e) {
        log.debug("closing the metrics readings: {}", e.toString());
      }
    }
  }

  /** A name's metadata, made (and its name checked) once. */
  private static MetricMetadata metadata(MetricNames.Name name) {
    return METADATA.computeIfAbsent(name, n -> new MetricMetadata(n.baseName(), n.help()));
  }

  /** {@code collector="<label>"}, made once a label. */
  private Labels collector(String label) {
    return collectorLabels.computeIfAbsent(label, l -> Labels.of("collector", l));
  }

  private static GaugeSnapshot.GaugeDataPointSnapshot point(Labels labels, double value) {
    return new GaugeSnapshot.GaugeDataPointSnapshot(value, labels, null);
  }

  private static GaugeSnapshot gauge(
      MetricNames.Name name, List<GaugeSnapshot.GaugeDataPointSnapshot> points) {
    return new GaugeSnapshot(metadata(name), points);
  }

  private static GaugeSnapshot gauge(MetricNames.Name name, Labels labels, double value) {
    return gauge(name, List.of(point(labels, value)));
  }

  private static CounterSnapshot counter(MetricNames.Name name, double value) {
    return new CounterSnapshot(
        metadata(name),
        List.of(new CounterSnapshot.CounterDataPointSnapshot(value, Labels.EMPTY, null, 0L)));
  }
}
