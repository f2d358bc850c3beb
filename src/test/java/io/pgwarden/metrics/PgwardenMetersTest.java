package io.pgwarden.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PgwardenMetersTest {
  static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");

  @Test
  void namesAndValues() {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AtomicLong restarts = new AtomicLong(3);
    try (PgwardenMeters meters =
        new PgwardenMeters(
            registry,
            new PgwardenMeters.Sources(
                restarts::get,
                () -> 100,
                () -> 12345,
                () -> 1,
                () ->
                    Map.of(
                        "server", NOW.plus(Duration.ofDays(1)),
                        "server_ca", NOW.minusSeconds(10))),
            Clock.fixed(NOW, ZoneOffset.UTC))) {
      meters.reloaded();
      meters.reloaded();
      meters.configHashChanged();
      meters.statusRequest();
      restarts.incrementAndGet();
      String body = registry.scrape(ExpositionFormat.PROMETHEUS_TEXT.contentType());
      assertThat(body)
          .contains("pgwarden_postgres_restarts_total 4.0")
          .contains("pgwarden_postgres_reloads_total 2.0")
          .contains("pgwarden_config_hash_changes_total 1.0")
          .contains("pgwarden_status_requests_total 1.0")
          .contains("pgwarden_log_records_total 100.0")
          .contains("pgwarden_log_bytes_total 12345.0")
          .contains("pgwarden_log_records_dropped_total 1.0")
          .contains("pgwarden_certificate_expiry_seconds{certificate=\"server\"} 86400.0")
          .contains("pgwarden_certificate_expiry_seconds{certificate=\"server_ca\"} -10.0")
          .contains("pgwarden_certificate_expiry_seconds{certificate=\"client_ca\"} NaN")
          .contains(
              "# HELP pgwarden_postgres_restarts_total " + MetricNames.POSTGRES_RESTARTS.help())
          .contains("jvm_memory_used_bytes")
          .contains("jvm_threads_live_threads")
          .contains("jvm_threads_daemon_threads")
          .contains("jvm_threads_peak_threads")
          .doesNotContain("jvm_threads_states_threads")
          .contains("process_uptime_seconds");
      ExpositionCheck.wellFormed(body, false);
    }
  }
}
