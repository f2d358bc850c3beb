package io.pgwarden.tls;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/** Certificates made on the spot for tests; nothing is checked in. */
final class TestPki {
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  static final Duration DAYS_90 = Duration.ofDays(90);

  private TestPki() {}

  static CertificateGenerator at(Instant instant) {
    return new CertificateGenerator(Clock.fixed(instant, ZoneOffset.UTC));
  }

  static Issued ca(String cluster) {
    return at(NOW).generateCa(cluster, DAYS_90);
  }

  static Issued server(Issued ca) {
    return at(NOW)
        .issueServer(
            ca, "pg-rw", List.of("pg-rw", "localhost"), List.of("127.0.0.1", "::1"), DAYS_90);
  }

  static Issued replication(Issued ca) {
    return at(NOW).issueClient(ca, "streaming_replica", DAYS_90);
  }
}
