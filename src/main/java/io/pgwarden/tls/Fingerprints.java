package io.pgwarden.tls;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.cert.X509Certificate;
import java.util.HexFormat;

/**
 * The certificate fingerprint CloudNativePG's operator registers in {@code
 * status.operatorCertificateFingerprint}: SHA-256 over the DER SubjectPublicKeyInfo, so it survives
 * a renewal that keeps the key.
 */
public final class Fingerprints {
  private Fingerprints() {}

  /**
   * Lowercase hex SHA-256 of the certificate's SubjectPublicKeyInfo; equals {@code openssl x509
   * -pubkey -noout | openssl pkey -pubin -outform DER | sha256sum}.
   */
  public static String spkiSha256Hex(X509Certificate certificate) {
    try {
      MessageDigest sha256 = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(sha256.digest(certificate.getPublicKey().getEncoded()));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
