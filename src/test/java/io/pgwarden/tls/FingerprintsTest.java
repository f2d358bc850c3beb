package io.pgwarden.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FingerprintsTest {
  @TempDir Path dir;

  @Test
  void equalsOpenSslSpkiSha256() throws Exception {
    Issued server = TestPki.server(TestPki.ca("pg"));
    Files.write(dir.resolve("tls.crt"), server.certificatePem());
    String openssl =
        OpenSsl.run(
            dir,
            "openssl x509 -in tls.crt -pubkey -noout | openssl pkey -pubin -outform DER"
                + " | sha256sum");
    String expected = openssl.substring(0, 64);

    String fingerprint = Fingerprints.spkiSha256Hex(server.certificate());

    assertThat(fingerprint).isEqualTo(expected).matches("[0-9a-f]{64}");
  }
}
