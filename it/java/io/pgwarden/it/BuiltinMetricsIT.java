package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.metrics.BuiltinCollector;
import io.pgwarden.sql.Postgres;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The built-in {@code cnpg_collector_*} readings against a real postgres: taken together in one
 * round trip, each with its own time, and one that fails fails alone.
 */
class BuiltinMetricsIT {
  @TempDir Path dir;

  /** Each sample of the scrape as {@code name{label=value,...}} to its value. */
  private static Map<String, Double> samples(MetricSnapshots snapshots) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (MetricSnapshot s : snapshots) {
      for (DataPointSnapshot p : s.getDataPoints()) {
        StringBuilder key = new StringBuilder(s.getMetadata().getName());
        p.getLabels()
            .forEach(
                l ->
                    key.append('{')
                        .append(l.getName())
                        .append('=')
                        .append(l.getValue())
                        .append('}'));
        double v =
            p instanceof GaugeSnapshot.GaugeDataPointSnapshot g
                ? g.getValue()
                : ((CounterSnapshot.CounterDataPointSnapshot) p).getValue();
        out.put(key.toString(), v);
      }
    }
    return out;
  }

  /** The value of the one sample of {@code name}, whatever its labels. */
  private static double only(Map<String, Double> s, String name) {
    return s.entrySet().stream()
        .filter(e -> e.getKey().equals(name) || e.getKey().startsWith(name + "{"))
        .map(Map.Entry::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError(name + " missing from " + s.keySet()));
  }

  private static double duration(Map<String, Double> s, String collector) {
    return s.get("cnpg_collector_collection_duration_seconds{collector=" + collector + "}");
  }

  @Test
  void theReadingsComeTogetherEachWithItsOwnTimeAndOneThatFailsFailsAlone() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      Postgres postgres =
          new Postgres(pg.controller.resolve("run").resolve(".s.PGSQL." + pg.pgPort));
      try (BuiltinCollector collector =
          new BuiltinCollector(() -> postgres.connect("postgres", 10), "it")) {
        // past pgjdbc's prepare threshold too: named statements, binary results
        Map<String, Double> s = Map.of();
        for (int i = 0; i < 7; i++) {
          s = samples(collector.collect());
        }
        assertThat(s)
            .containsEntry("cnpg_collector_up{cluster=it}", 1.0)
            .containsEntry("cnpg_collector_last_collection_error", 0.0)
            .containsEntry("cnpg_collector_pg_wal_archive_status{value=ready}", 0.0)
            .containsEntry("cnpg_collector_pg_wal_archive_status{value=done}", 0.0)
            .containsEntry("cnpg_collector_sync_replicas{value=expected}", 0.0)
            .containsEntry("cnpg_collector_pg_wal{value=max}", 64.0)
            .doesNotContainKey("cnpg_collector_collection_errors{collector=Collect.up}");
        assertThat(s.get("cnpg_collector_pg_wal{value=count}")).isGreaterThanOrEqualTo(1.0);
        assertThat(only(s, "cnpg_collector_wal_records")).isPositive();
        assertThat(s.keySet()).anyMatch(k -> k.startsWith("cnpg_collector_postgres_version{"));
        for (String c :
            new String[] {
              "Collect.up",
              "Collect.PgWALArchiveStats",
              "Collect.PGWalSettings",
              "Collect.SynchronousStandbys",
              "Collect.PGWALStat"
            }) {
          assertThat(duration(s, c)).as(c).isBetween(0.0, Duration.ofSeconds(5).toSeconds() * 1.0);
        }
        assertThat(duration(s, "Collect.up")).as("the round trip").isPositive();

        // pg_ls_archive_statusdir fails on a directory it cannot read; the readings after it
        // still come
        Path status = pg.data.resolve("pg_wal").resolve("archive_status");
        Set<PosixFilePermission> mode = Files.getPosixFilePermissions(status);
        Files.setPosixFilePermissions(status, Set.of());
        try {
          s = samples(collector.collect());
        } finally {
          Files.setPosixFilePermissions(status, mode);
        }
        assertThat(s)
            .containsEntry("cnpg_collector_up{cluster=it}", 1.0)
            .containsEntry("cnpg_collector_last_collection_error", 1.0)
            .containsEntry(
                "cnpg_collector_collection_errors{collector=Collect.PgWALArchiveStats}", 1.0)
            .doesNotContainKey("cnpg_collector_pg_wal_archive_status{value=ready}")
            .containsEntry("cnpg_collector_pg_wal{value=max}", 64.0)
            .containsEntry("cnpg_collector_sync_replicas{value=expected}", 0.0);
        assertThat(only(s, "cnpg_collector_wal_records")).isPositive();

        s = samples(collector.collect());
        assertThat(s)
            .containsEntry("cnpg_collector_last_collection_error", 0.0)
            .containsEntry("cnpg_collector_pg_wal_archive_status{value=ready}", 0.0)
            .containsEntry(
                "cnpg_collector_collection_errors{collector=Collect.PgWALArchiveStats}", 1.0);
      }
    }
  }
}
