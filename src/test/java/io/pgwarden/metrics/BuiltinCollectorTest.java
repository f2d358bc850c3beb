package io.pgwarden.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BuiltinCollectorTest {
  final FakeReadings postgres = new FakeReadings();
  final AtomicLong nanos = new AtomicLong();
  final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

  String scrape() {
    registry
        .getPrometheusRegistry()
        .register(new BuiltinCollector(postgres, "pg", () -> nanos.addAndGet(1_000_000)));
    return registry.scrape(ExpositionFormat.PROMETHEUS_TEXT.contentType());
  }

  @Test
  void exportsCloudNativePgNames() {
    String body = scrape();
    assertThat(body)
        .contains("cnpg_collector_up{cluster=\"pg\"} 1.0")
        .contains("cnpg_collector_collections_total 1.0")
        .contains("cnpg_collector_last_collection_error 0.0")
        .contains("cnpg_collector_collection_duration_seconds{collector=\"Collect.up\"} 0.001")
        .contains("cnpg_collector_postgres_version{cluster=\"pg\",full=\"15.18\"} 15.18")
        .contains("cnpg_collector_pg_wal{value=\"count\"} 5.0")
        .contains("cnpg_collector_pg_wal{value=\"size\"} 8.388608E7")
        .contains("cnpg_collector_pg_wal{value=\"min\"} 5.0")
        .contains("cnpg_collector_pg_wal{value=\"max\"} 64.0")
        .contains("cnpg_collector_pg_wal{value=\"slots_max\"} NaN")
        .contains("cnpg_collector_pg_wal_archive_status{value=\"ready\"} 2.0")
        .contains("cnpg_collector_pg_wal_archive_status{value=\"done\"} 7.0")
        .contains("cnpg_collector_fencing_on 0.0")
        .contains("cnpg_collector_replica_mode 0.0")
        .contains("cnpg_collector_sync_replicas{value=\"observed\"} 0.0")
        .contains("cnpg_collector_wal_records{stats_reset=\"2026-01-01 00:00:00+00\"} 10.0")
        .contains("cnpg_collector_wal_bytes{stats_reset=\"2026-01-01 00:00:00+00\"} 4096.0")
        .doesNotContain("cnpg_collector_wal_write{") // absent from PostgreSQL 18's pg_stat_wal
        .doesNotContain("collection_errors_total{");
    ExpositionCheck.wellFormed(body, false);
  }

  @Test
  void upIsZeroWhenPostgresIsDown() {
    postgres.down = true;
    String body = scrape();
    assertThat(body)
        .contains("cnpg_collector_up{cluster=\"pg\"} 0.0")
        .contains("cnpg_collector_last_collection_error 1.0")
        .contains("cnpg_collector_collection_errors_total{collector=\"Collect.up\"} 1.0")
        .contains("cnpg_collector_fencing_on 0.0")
        .doesNotContain("cnpg_collector_pg_wal{")
        .doesNotContain("cnpg_collector_postgres_version{");
    ExpositionCheck.wellFormed(body, false);
  }

  @Test
  void oneFailedReadingIsCountedAndLeftOut() {
    postgres.archiveFails = true;
    String body = scrape();
    assertThat(body)
        .contains("cnpg_collector_up{cluster=\"pg\"} 1.0")
        .contains("cnpg_collector_last_collection_error 1.0")
        .contains(
            "cnpg_collector_collection_errors_total{collector=\"Collect.PgWALArchiveStats\"} 1.0")
        .contains("cnpg_collector_pg_wal{value=\"count\"} 5.0")
        .doesNotContain("cnpg_collector_pg_wal_archive_status{");
    postgres.archiveFails = false;
    String next = registry.scrape(ExpositionFormat.PROMETHEUS_TEXT.contentType());
    assertThat(next)
        .contains("cnpg_collector_collections_total 2.0")
        .contains("cnpg_collector_last_collection_error 0.0")
        .contains(
            "cnpg_collector_collection_errors_total{collector=\"Collect.PgWALArchiveStats\"} 1.0")
        .contains("cnpg_collector_pg_wal_archive_status{value=\"ready\"} 2.0");
  }

  @Test
  void walSettingsInSegments() {
    postgres.walSettings = new String[] {"16MB", "80MB", "2GB", "1TB", "10GB"};
    assertThat(scrape())
        .contains("cnpg_collector_pg_wal{value=\"min\"} 5.0")
        .contains("cnpg_collector_pg_wal{value=\"max\"} 128.0")
        .contains("cnpg_collector_pg_wal{value=\"keep\"} 65536.0")
        .contains("cnpg_collector_pg_wal{value=\"slots_max\"} 640.0");
  }

  @Test
  void aWalSettingThatCannotBeParsedFailsItsCollectorOnly() {
    postgres.walSettings = new String[] {"16MB", "80MB", "1 GB", "0", "-1"};
    String body = scrape();
    assertThat(body)
        .contains("cnpg_collector_last_collection_error 1.0")
        .contains("cnpg_collector_collection_errors_total{collector=\"Collect.PGWalSettings\"} 1.0")
        .contains("cnpg_collector_pg_wal_archive_status{value=\"ready\"} 2.0")
        .contains("cnpg_collector_sync_replicas{value=\"observed\"} 0.0")
        .doesNotContain("cnpg_collector_pg_wal{");
    ExpositionCheck.wellFormed(body, false);
  }

  @Test
  void walSettingsAbsentFromTheServerTakeTheFormerDefaults() {
    PostgresReadings.WalDirectory w =
        ReadingStatements.walDirectory(3, null, null, null, null, null);
    assertThat(w).isEqualTo(new PostgresReadings.WalDirectory(3, 16.0 * 1024 * 1024, 0, 0, 0, -1));
  }

  @Test
  void walSettingsAreReadExactly() {
    PostgresReadings.WalDirectory w =
        ReadingStatements.walDirectory(0, "16MB", "80MB", "2147483647MB", "1TB", "-1");
    assertThat(w)
        .isEqualTo(
            new PostgresReadings.WalDirectory(
                0, 16777216.0, 83886080.0, 2251799812636672.0, 1099511627776.0, -1));
    assertThatThrownBy(() -> ReadingStatements.walDirectory(0, "16MB", "80MB", "1GB", "0", "-1MB"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("max_slot_wal_keep_size = '-1MB'");
  }

  @Test
  void noStatWalBeforePostgres14() {
    postgres.versionNum = 130015;
    assertThat(scrape())
        .contains("full=\"13.15\"} 13.15")
        .doesNotContain("cnpg_collector_wal_records");
  }

  @Test
  void aFailingConnectionFactoryIsUpZeroNotAnException() {
    registry
        .getPrometheusRegistry()
        .register(
            new BuiltinCollector(
                () -> {
                  throw new SQLException("no socket", "08001");
                },
                "pg"));
    assertThat(registry.scrape()).contains("cnpg_collector_up{cluster=\"pg\"} 0.0");
  }

  @Test
  void synchronousStandbyNames() {
    assertThat(ReadingStatements.expected("")).isZero();
    assertThat(ReadingStatements.expected("ANY 2 (a, b, c)")).isEqualTo(2);
    assertThat(ReadingStatements.expected("FIRST 1 (\"a\", b)")).isEqualTo(1);
    assertThat(ReadingStatements.expected("3 (a, b, c)")).isEqualTo(3);
    assertThat(ReadingStatements.expected("a, b")).isEqualTo(1);
  }

  @Test
  void versions() {
    assertThat(BuiltinCollector.majorMinor(150018)).isEqualTo("15.18");
    assertThat(BuiltinCollector.majorMinor(180001)).isEqualTo("18.1");
  }
}
