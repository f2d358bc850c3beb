package io.pgwarden.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class CertificateGeneratorTest {
  private final Issued ca = TestPki.ca("pg");

  @Test
  void caIsSelfSignedP256WithCaExtensions() throws Exception {
    X509Certificate cert = ca.certificate();
    cert.verify(cert.getPublicKey());
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=pg");
    assertThat(cert.getIssuerX500Principal()).isEqualTo(cert.getSubjectX500Principal());
    assertThat(cert.getBasicConstraints()).isZero(); // a CA, path length 0
    assertThat(cert.getKeyUsage()[5]).as("keyCertSign").isTrue();
    assertThat(cert.getKeyUsage()[6]).as("cRLSign").isTrue();
    assertThat(cert.getExtensionValue("2.5.29.14")).as("subjectKeyIdentifier").isNotNull();
    assertThat(cert.getSigAlgName()).isEqualTo("SHA256withECDSA");
    assertThat(((ECPublicKey) cert.getPublicKey()).getParams().getCurve().getField().getFieldSize())
        .isEqualTo(256);
  }

  @Test
  void validityIsNinetyDaysFromAMinuteAgo() {
    X509Certificate cert = ca.certificate();
    assertThat(cert.getNotBefore().toInstant()).isEqualTo(TestPki.NOW.minusSeconds(60));
    assertThat(cert.getNotAfter().toInstant()).isEqualTo(TestPki.NOW.plus(Duration.ofDays(90)));
  }

  @Test
  void serialsAreRandomPositive128Bits() {
    BigInteger a = TestPki.server(ca).certificate().getSerialNumber();
    BigInteger b = TestPki.server(ca).certificate().getSerialNumber();
    assertThat(a).isPositive().isNotEqualTo(b);
    assertThat(a.bitLength()).isLessThanOrEqualTo(128).isGreaterThan(64);
  }

  @Test
  void serverCertificateIsSignedByTheCaWithSansAndServerAuth() throws Exception {
    X509Certificate cert = TestPki.server(ca).certificate();
    cert.verify(ca.certificate().getPublicKey());
    assertThat(cert.getIssuerX500Principal()).isEqualTo(ca.certificate().getSubjectX500Principal());
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=pg-rw");
    assertThat(cert.getSubjectAlternativeNames())
        .containsExactlyInAnyOrder(
            List.of(2, "pg-rw"),
            List.of(2, "localhost"),
            List.of(7, "127.0.0.1"),
            List.of(7, "0:0:0:0:0:0:0:1"));
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    boolean[] usage = cert.getKeyUsage();
    assertThat(usage[0]).as("digitalSignature").isTrue();
    assertThat(usage[2]).as("keyEncipherment").isFalse();
    assertThat(usage[4]).as("keyAgreement").isTrue();
    assertThat(cert.getExtensionValue("2.5.29.35")).as("authorityKeyIdentifier").isNotNull();
  }

  @Test
  void clientCertificateIsStreamingReplicaWithClientAuth() throws Exception {
    X509Certificate cert = TestPki.replication(ca).certificate();
    cert.verify(ca.certificate().getPublicKey());
    assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=streaming_replica");
    assertThat(cert.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(cert.getSubjectAlternativeNames()).isNull();
  }

  @Test
  void pemRoundTripThroughTheJdkParser() throws Exception {
    Issued server = TestPki.server(ca);
    String certPem =
        new String(server.certificatePem(), java.nio.charset.StandardCharsets.US_ASCII);
    String keyPem = new String(server.privateKeyPem(), java.nio.charset.StandardCharsets.US_ASCII);
    assertThat(certPem).startsWith("-----BEGIN CERTIFICATE-----\n");
    assertThat(keyPem)
        .startsWith("-----BEGIN PRIVATE KEY-----\n")
        .endsWith("-----END PRIVATE KEY-----\n");

    List<X509Certificate> parsed = Pem.certificates(server.certificatePem(), "test");
    PrivateKey key = Pem.privateKey(server.privateKeyPem(), "test");
    assertThat(parsed).containsExactly(server.certificate());
    assertThat(key.getEncoded()).isEqualTo(server.privateKey().getEncoded());
    CertificateChecks.validateServer(parsed.get(0), key, ca.certificate(), TestPki.NOW);
  }

  @Test
  void toStringCarriesNoKeyMaterial() {
    Issued server = TestPki.server(ca);
    String keyBase64 =
        java.util.Base64.getEncoder().encodeToString(server.privateKey().getEncoded());
    assertThat(server.toString()).contains("CN=pg-rw").doesNotContain(keyBase64.substring(0, 20));
  }
}
