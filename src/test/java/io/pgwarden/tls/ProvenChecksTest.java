package io.pgwarden.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ProvenChecksTest {
  private final ProvenChecks proven = new ProvenChecks();

  @Test
  void aPassedCheckIsNotRunAgainOnTheSameInputs() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    byte[] cert = {1, 2, 3};
    byte[] key = {4, 5};

    proven.run("key", runs::incrementAndGet, cert, key);
    proven.run("key", runs::incrementAndGet, cert.clone(), key.clone());

    assertThat(runs).hasValue(1);
  }

  @Test
  void otherInputsOrAnotherKindAreCheckedAgain() throws Exception {
    AtomicInteger runs = new AtomicInteger();
    proven.run("key", runs::incrementAndGet, new byte[] {1, 2}, new byte[] {3});
    proven.run("key", runs::incrementAndGet, new byte[] {1}, new byte[] {2, 3});
    proven.run("signed", runs::incrementAndGet, new byte[] {1, 2}, new byte[] {3});
    proven.run("key", runs::incrementAndGet, new byte[] {1, 2}, null);
    proven.run("key", runs::incrementAndGet, new byte[] {1, 2}, null);

    assertThat(runs).hasValue(5);
  }

  @Test
  void aFailureIsNotKeptAndFailsAgain() {
    AtomicInteger runs = new AtomicInteger();
    ProvenChecks.Check failing =
        () -> {
          runs.incrementAndGet();
          throw new TlsMaterialException("no match");
        };
    byte[] cert = {9};

    assertThatThrownBy(() -> proven.run("key", failing, cert)).hasMessage("no match");
    assertThatThrownBy(() -> proven.run("key", failing, cert)).hasMessage("no match");
    assertThat(runs).hasValue(2);
    assertThat(proven.size()).isZero();
  }

  @Test
  void keepsOnlyTheMostRecentlyUsed() throws Exception {
    for (int i = 0; i < ProvenChecks.CAPACITY + 10; i++) {
      proven.run("key", () -> {}, new byte[] {(byte) i});
    }
    assertThat(proven.size()).isEqualTo(ProvenChecks.CAPACITY);
  }

  @Test
  void aMismatchIsStillRefusedAfterTheCertificatePassedWithItsOwnKey() {
    Issued ca = TestPki.ca("pg");
    Issued server = TestPki.server(ca);
    Issued other = TestPki.server(ca);

    assertThat(
            org.assertj.core.api.Assertions.catchThrowable(
                () ->
                    CertificateChecks.validateServer(
                        server.certificate(), server.privateKey(), ca.certificate(), TestPki.NOW)))
        .isNull();
    assertThatThrownBy(
            () ->
                CertificateChecks.validateServer(
                    server.certificate(), other.privateKey(), ca.certificate(), TestPki.NOW))
        .hasMessageContaining("the private key does not belong to certificate");
  }
}
