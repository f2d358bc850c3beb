package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.tls.Issued;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload that only rotates a certificate is confirmed like any other: "configuration ... loaded"
 * is logged only once postgres serves the new certificate. Before the hash covered the TLS
 * material, a certificate-only change left the hash unchanged, the wait passed on its first poll,
 * and the log line came before postgres had re-read the files.
 */
class CertificateConfirmationIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void aRotatedCertificateIsServedWhenItsReloadIsReportedLoaded() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      for (int round = 0; round < 3; round++) {
        Issued next = KubeScene.issueServer(pg.secrets, "pgwarden");
        BigInteger serial = next.certificate().getSerialNumber();
        assertThat(KubeScene.servedSerial(pg.pgPort)).isNotEqualTo(serial);
        int mark = pg.mark();
        Path server = pg.secrets.resolve("pgwarden-server");
        Files.write(server.resolve("tls.key"), next.privateKeyPem());
        Files.write(server.resolve("tls.crt"), next.certificatePem());
        pg.awaitLog(
            mark,
            n -> {
              String msg = n.path("msg").asText();
              return msg.startsWith("configuration ") && msg.endsWith(" loaded");
            },
            WAIT);
        // No wait here: once the reload is reported loaded, the new certificate is served.
        assertThat(KubeScene.servedSerial(pg.pgPort)).isEqualTo(serial);
      }
    }
  }
}
