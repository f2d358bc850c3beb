package io.pgwarden.tls;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateChecksTest {
  private final Issued ca = TestPki.ca("pg");
  private final Issued server = TestPki.server(ca);

  @Test
  void acceptsAMatchingCurrentPairFromTheCa() {
    assertThatCode(
            () ->
                CertificateChecks.validateServer(
                    server.certificate(), server.privateKey(), ca.certificate(), TestPki.NOW))
        .doesNotThrowAnyException();
  }

  @Test
  void rejectsAnExpiredCertificateWithItsDates() {
    Instant later = TestPki.NOW.plus(Duration.ofDays(91));
    assertThatThrownBy(
            () ->
                CertificateChecks.validateServer(
                    server.certificate(), server.privateKey(), ca.certificate(), later))
        .isInstanceOf(TlsMaterialException.class)
        .hasMessageContaining("server certificate \"CN=pg-rw\"")
        .hasMessageContaining("expired at 2026-05-30T12:00:00Z (now " + later + ")")
        .hasMessageContaining("renew");
  }

  @Test
  void rejectsACertificateNotYetValid() {
    Instant earlier = TestPki.NOW.minus(Duration.ofHours(1));
    assertThatThrownBy(
            () ->
                CertificateChecks.validateServer(
                    server.certificate(), server.privateKey(), ca.certificate(), earlier))
        .hasMessageContaining("is not valid before 2026-03-01T11:59:00Z")
        .hasMessageContaining("clock");
  }

  @Test
  void rejectsAKeyThatIsNotTheCertificates() {
    Issued other = TestPki.server(ca);
    assertThatThrownBy(
            () ->
                CertificateChecks.validateServer(
                    server.certificate(), other.privateKey(), ca.certificate(), TestPki.NOW))
        .hasMessageContaining("server: the private key does not belong to certificate")
        .hasMessageContaining("install the key");
  }

  @Test
  void rejectsACertificateFromAnotherCaWithTheSameName() {
    Issued impostor = TestPki.ca("pg");
    assertThatThrownBy(
            () ->
                CertificateChecks.validateServer(
                    server.certificate(), server.privateKey(), impostor.certificate(), TestPki.NOW))
        .hasMessageContaining("was not issued by the CA")
        .hasMessageContaining("signature does not verify");
  }

  @Test
  void rejectsACertificateFromAnotherNamedCa() {
    Issued other = TestPki.ca("other");
    assertThatThrownBy(
            () ->
                CertificateChecks.validateServer(
                    server.certificate(), server.privateKey(), other.certificate(), TestPki.NOW))
        .hasMessageContaining("was not issued by the CA \"CN=other\"")
        .hasMessageContaining("its issuer is CN=pg");
  }

  @Test
  void acceptsAChainThroughTheCaItself() {
    assertThatCode(
            () ->
                CertificateChecks.validateChain(
                    "server",
                    List.of(server.certificate(), ca.certificate()),
                    server.privateKey(),
                    ca.certificate(),
                    TestPki.NOW))
        .doesNotThrowAnyException();
  }
}
