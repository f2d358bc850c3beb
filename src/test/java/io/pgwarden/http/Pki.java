package io.pgwarden.http;

import io.pgwarden.tls.CertificateGenerator;
import io.pgwarden.tls.Issued;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/** Certificates made on the spot; nothing is checked in. */
final class Pki {
  static final CertificateGenerator GEN = new CertificateGenerator(Clock.systemUTC());
  static final Duration DAYS = Duration.ofDays(1);

  private Pki() {}

  static Issued ca(String name) {
    return GEN.generateCa(name, DAYS);
  }

  static Issued server(Issued ca) {
    return GEN.issueServer(ca, "pg-rw", List.of("localhost"), List.of("127.0.0.1"), DAYS);
  }

  static Issued client(Issued ca, String cn) {
    return GEN.issueClient(ca, cn, DAYS);
  }
}
