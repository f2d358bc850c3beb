package io.pgwarden.metrics;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
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
  }

  @FunctionalInterface
  private interface Reading {
    void into(List<MetricSnapshot> out) throws SQLException;
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
    boolean up = read(MetricNames.COLLECT_UP, out, o -> postgres.ping());
    out.add(gauge(MetricNames.UP, Labels.of("cluster", cluster), up ? 1 : 0));
    if (up) {
      read(MetricNames.COLLECT_WAL_ARCHIVE, out, this::archiveStatus);
      read(MetricNames.COLLECT_WAL_SETTINGS, out, this::walDirectory);
      read(MetricNames.COLLECT_SYNC, out, this::syncReplicas);
      int[] version = {0};
      read(MetricNames.COLLECT_VERSION, out, o -> version[0] = version(o));
      if (version[0] >= 140000) {
        read(MetricNames.COLLECT_STAT_WAL, out, this::statWal);
      }
    }
    out.add(counter(MetricNames.COLLECTIONS_TOTAL, (double) collections));
    out.add(gauge(MetricNames.LAST_COLLECTION_ERROR, Labels.EMPTY, lastError ? 1 : 0));
    if (!errors.isEmpty()) {
      CounterSnapshot.Builder b = counterBuilder(MetricNames.COLLECTION_ERRORS_TOTAL);
      errors.forEach(
          (label, n) ->
              b.dataPoint(
                  CounterSnapshot.CounterDataPointSnapshot.builder()
                      .labels(Labels.of("collector", label))
                      .value((double) n)
                      .build()));
      out.add(b.build());
    }
    GaugeSnapshot.Builder d = gaugeBuilder(MetricNames.COLLECTION_DURATION_SECONDS);
    durations.forEach(
        (label, seconds) -> d.dataPoint(point(Labels.of("collector", label), seconds)));
    out.add(d.build());
    out.add(gauge(MetricNames.FENCING_ON, Labels.EMPTY, 0));
    out.add(gauge(MetricNames.REPLICA_MODE, Labels.EMPTY, 0));
    out.add(gauge(MetricNames.MANUAL_SWITCHOVER_REQUIRED, Labels.EMPTY, 0));
    out.add(gauge(MetricNames.NODES_USED, Labels.EMPTY, -1));
    return new MetricSnapshots(out);
  }

  /** Runs one reading, timing it; true when it succeeded. */
  private boolean read(String collector, List<MetricSnapshot> out, Reading reading) {
    long start = nanoTime.getAsLong();
    List<MetricSnapshot> read = new ArrayList<>();
    boolean ok;
    try {
      reading.into(read);
      out.addAll(read);
      ok = true;
    } catch (SQLException | RuntimeException e) {
      log.warn("metrics: {} failed: {}", collector, e.getMessage());
      errors.merge(collector, 1L, Long::sum);
      lastError = true;
      ok = false;
    }
    durations.put(collector, (nanoTime.getAsLong() - start) / 1e9);
    return ok;
  }

  private void archiveStatus(List<MetricSnapshot> out) throws SQLException {
    PostgresReadings.ArchiveStatus s = postgres.archiveStatus();
    out.add(
        gaugeBuilder(MetricNames.PG_WAL_ARCHIVE_STATUS)
            .dataPoint(point(Labels.of("value", "ready"), (double) s.ready()))
            .dataPoint(point(Labels.of("value", "done"), (double) s.done()))
            .build());
  }

  /** Counts and sizes as CloudNativePG's {@code wal.go}: min, max, keep in segments. */
  private void walDirectory(List<MetricSnapshot> out) throws SQLException {
    PostgresReadings.WalDirectory w = postgres.walDirectory();
    double segment = w.segmentSize();
    out.add(
        gaugeBuilder(MetricNames.PG_WAL)
            .dataPoint(point(Labels.of("value", "count"), (double) w.segments()))
            .dataPoint(point(Labels.of("value", "size"), w.segments() * segment))
            .dataPoint(point(Labels.of("value", "min"), w.minWalSize() / segment))
            .dataPoint(point(Labels.of("value", "max"), w.maxWalSize() / segment))
            .dataPoint(point(Labels.of("value", "keep"), w.keepSize() / segment))
            .dataPoint(
                point(
                    Labels.of("value", "slots_max"),
                    w.maxSlotKeepSize() < 0 ? Double.NaN : w.maxSlotKeepSize() / segment))
            .dataPoint(point(Labels.of("value", "volume_size"), Double.NaN))
            .dataPoint(point(Labels.of("value", "volume_max"), Double.NaN))
            .build());
  }

  private void syncReplicas(List<MetricSnapshot> out) throws SQLException {
    PostgresReadings.SyncReplicas s = postgres.syncReplicas();
    out.add(
        gaugeBuilder(MetricNames.SYNC_REPLICAS)
            .dataPoint(point(Labels.of("value", "min"), s.expected()))
            .dataPoint(point(Labels.of("value", "max"), s.expected()))
            .dataPoint(point(Labels.of("value", "expected"), s.expected()))
            .dataPoint(point(Labels.of("value", "observed"), s.observed()))
            .build());
  }

  /** {@code postgres_version{full="15.18"} 15.18}, as CloudNativePG; returns the version number. */
  private int version(List<MetricSnapshot> out) throws SQLException {
    int num = postgres.versionNum();
    if (num != versionNum) {
      String majorMinor = majorMinor(num);
      versionLabels = Labels.of("cluster", cluster, "full", majorMinor);
      version = Double.parseDouble(majorMinor);
      versionNum = num;
    }
    out.add(gauge(MetricNames.POSTGRES_VERSION, versionLabels, version));
    return num;
  }

  /** 150018 → "15.18"; 90624 → "9.6" (the minor of 9.x is not exported, as CloudNativePG). */
  static String majorMinor(int versionNum) {
    if (versionNum >= 100000) {
      return String.format(Locale.ROOT, "%d.%d", versionNum / 10000, versionNum % 10000);
    }
    return String.format(Locale.ROOT, "%d.%d", versionNum / 10000, versionNum / 100 % 100);
  }

  private void statWal(List<MetricSnapshot> out) throws SQLException {
    Optional<PostgresReadings.StatWal> stat = postgres.statWal();
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

  private static GaugeSnapshot.Builder gaugeBuilder(MetricNames.Name name) {
    return GaugeSnapshot.builder().name(name.baseName()).help(name.help());
  }

  private static CounterSnapshot.Builder counterBuilder(MetricNames.Name name) {
    return CounterSnapshot.builder().name(name.baseName()).help(name.help());
  }

  private static GaugeSnapshot.GaugeDataPointSnapshot point(Labels labels, double value) {
    return GaugeSnapshot.GaugeDataPointSnapshot.builder().labels(labels).value(value).build();
  }

  private static GaugeSnapshot gauge(MetricNames.Name name, Labels labels, double value) {
    return gaugeBuilder(name).dataPoint(point(labels, value)).build();
  }

  private static CounterSnapshot counter(MetricNames.Name name, double value) {
    return counterBuilder(name)
        .dataPoint(CounterSnapshot.CounterDataPointSnapshot.builder().value(value).build())
        .build();
  }
}
