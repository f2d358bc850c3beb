package io.pgwarden.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PemTest {
  private static final String SOURCE = "secret pg-server key tls.key";

  @TempDir Path dir;

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void emptyInputIsNamed() {
    assertThatThrownBy(() -> Pem.privateKey(new byte[0], SOURCE))
        .isInstanceOf(TlsMaterialException.class)
        .hasMessage(SOURCE + ": is empty");
    assertThatThrownBy(() -> Pem.certificates(null, "secret pg-ca key ca.crt"))
        .hasMessage("secret pg-ca key ca.crt: is empty");
  }

  @Test
  void garbageIsNoPemBlock() {
    assertThatThrownBy(() -> Pem.certificates(ascii("hello\u0000\u00ff world"), "x"))
        .isInstanceOf(TlsMaterialException.class)
        .hasMessageContaining("x: no PEM block found");
  }

  @Test
  void garbageInsideABlockIsNotX509() {
    byte[] pem = ascii("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
    assertThatThrownBy(() -> Pem.certificates(pem, "x"))
        .hasMessageStartingWith("x: certificate 1 is not a valid X.509 certificate");
  }

  @Test
  void truncatedBlockIsReported() {
    byte[] pem = ascii("-----BEGIN CERTIFICATE-----\nAAAA\n");
    assertThatThrownBy(() -> Pem.certificates(pem, "x"))
        .hasMessageContaining("no -----END CERTIFICATE----- line");
  }

  @Test
  void certificateFileGivenAsKeyHasNoPrivateKey() {
    Issued ca = TestPki.ca("pg");
    assertThatThrownBy(() -> Pem.privateKey(ca.certificatePem(), SOURCE))
        .isInstanceOf(TlsMaterialException.class)
        .hasMessage(
            SOURCE + ": no private key found (expected a -----BEGIN PRIVATE KEY----- block)");
  }

  @Test
  void keyFileGivenAsCertificateHasNoCertificate() {
    Issued ca = TestPki.ca("pg");
    assertThatThrownBy(() -> Pem.certificates(ca.privateKeyPem(), "x"))
        .hasMessageContaining("x: no certificate found");
  }

  @Test
  void chainKeepsOrderAndIgnoresTextAround() throws Exception {
    Issued ca = TestPki.ca("pg");
    Issued server = TestPki.server(ca);
    String text =
        "subject=CN=pg-rw\n"
            + new String(server.certificatePem(), StandardCharsets.US_ASCII)
            + "issuer\n"
            + new String(ca.certificatePem(), StandardCharsets.US_ASCII);
    assertThat(Pem.certificates(ascii(text), "x"))
        .containsExactly(server.certificate(), ca.certificate());
  }

  @Test
  void encryptedKeysAreRefusedWithAHint() throws Exception {
    OpenSsl.run(
        dir,
        "openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -aes256 -pass pass:x"
            + " -out enc.pem");
    assertThatThrownBy(() -> Pem.privateKey(Files.readAllBytes(dir.resolve("enc.pem")), SOURCE))
        .hasMessageContaining("encrypted")
        .hasMessageContaining("openssl pkey");
  }

  @Test
  void twoKeysAreRefused() {
    Issued ca = TestPki.ca("pg");
    String twice = new String(ca.privateKeyPem(), StandardCharsets.US_ASCII).repeat(2);
    assertThatThrownBy(() -> Pem.privateKey(ascii(twice), SOURCE))
        .hasMessageContaining("more than one private key");
  }

  @Test
  void readsOpenSslPkcs8Sec1AndPkcs1Keys() throws Exception {
    OpenSsl.run(
        dir,
        "openssl ecparam -name prime256v1 -genkey -noout -out sec1.pem"
            + " && openssl pkey -in sec1.pem -out pkcs8.pem"
            + " && openssl genrsa -traditional -out pkcs1.pem 2048 2>/dev/null"
            + " && openssl pkey -in pkcs1.pem -out rsa8.pem");
    assertThat(Files.readString(dir.resolve("sec1.pem"))).contains("BEGIN EC PRIVATE KEY");
    assertThat(Files.readString(dir.resolve("pkcs1.pem"))).contains("BEGIN RSA PRIVATE KEY");

    PrivateKey sec1 = Pem.privateKey(Files.readAllBytes(dir.resolve("sec1.pem")), "sec1");
    PrivateKey pkcs8 = Pem.privateKey(Files.readAllBytes(dir.resolve("pkcs8.pem")), "pkcs8");
    assertThat(sec1).isInstanceOf(ECPrivateKey.class);
    assertThat(((ECPrivateKey) sec1).getS()).isEqualTo(((ECPrivateKey) pkcs8).getS());

    PrivateKey pkcs1 = Pem.privateKey(Files.readAllBytes(dir.resolve("pkcs1.pem")), "pkcs1");
    PrivateKey rsa8 = Pem.privateKey(Files.readAllBytes(dir.resolve("rsa8.pem")), "rsa8");
    assertThat(pkcs1).isInstanceOf(RSAPrivateCrtKey.class);
    assertThat(pkcs1.getEncoded()).isEqualTo(rsa8.getEncoded());
    // Written back as PKCS#8, whatever it was read from.
    assertThat(new String(Pem.encodePrivateKey(pkcs1), StandardCharsets.US_ASCII))
        .startsWith("-----BEGIN PRIVATE KEY-----");
  }

  @Test
  void openSslReadsWhatWeWrite() throws Exception {
    Issued server = TestPki.server(TestPki.ca("pg"));
    Files.write(dir.resolve("tls.crt"), server.certificatePem());
    Files.write(dir.resolve("tls.key"), server.privateKeyPem());
    String out =
        OpenSsl.run(
            dir,
            "openssl x509 -in tls.crt -noout -subject -ext subjectAltName"
                + " && openssl pkey -in tls.key -pubout | cmp - <(openssl x509 -in tls.crt"
                + " -pubkey -noout) && echo MATCH");
    assertThat(out).contains("CN = pg-rw", "DNS:pg-rw", "IP Address:127.0.0.1", "MATCH");
  }
}
