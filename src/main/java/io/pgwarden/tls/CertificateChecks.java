package io.pgwarden.tls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAKey;
import java.time.Instant;
import java.util.List;

/**
 * Checks a certificate and key before pgwarden uses them, so that a bad secret is refused with a
 * message instead of breaking postgres at its next reload. All JDK, no BouncyCastle.
 */
public final class CertificateChecks {
  private static final byte[] CHALLENGE =
      "pgwarden key/certificate match".getBytes(StandardCharsets.US_ASCII);

  private static final ProvenChecks PROVEN = new ProvenChecks();

  private CertificateChecks() {}

  /**
   * Checks that {@code key} belongs to {@code certificate}, that the certificate and the CA are
   * valid at {@code now}, and that {@code ca} signed the certificate.
   *
   * @param what names the material in the message, such as {@code "secret pgwarden-server"}
   */
  public static void validate(
      String what, X509Certificate certificate, PrivateKey key, X509Certificate ca, Instant now)
      throws TlsMaterialException {
    checkKeyMatches(what, certificate, key);
    checkTime(what + " certificate", certificate, now);
    checkTime(what + " CA certificate", ca, now);
    checkSignedBy(what, certificate, ca);
  }

  /**
   * {@link #validate} for a chain, leaf first, with intermediates: each certificate must be signed
   * by the next, and the last one by {@code ca} (or be {@code ca}).
   */
  public static void validateChain(
      String what, List<X509Certificate> chain, PrivateKey key, X509Certificate ca, Instant now)
      throws TlsMaterialException {
    if (chain.isEmpty()) {
      throw new TlsMaterialException(what + ": no certificate");
    }
    checkKeyMatches(what, chain.get(0), key);
    for (int i = 0; i < chain.size(); i++) {
      X509Certificate certificate = chain.get(i);
      checkTime(what + (i == 0 ? " certificate" : " intermediate certificate"), certificate, now);
      if (i + 1 < chain.size()) {
        checkSignedBy(what, certificate, chain.get(i + 1));
      } else if (!certificate.equals(ca)) {
        checkSignedBy(what, certificate, ca);
      }
    }
    checkTime(what + " CA certificate", ca, now);
  }

  /** {@link #validate} for the server certificate. */
  public static void validateServer(
      X509Certificate certificate, PrivateKey key, X509Certificate ca, Instant now)
      throws TlsMaterialException {
    validate("server", certificate, key, ca, now);
  }

  /** Whether {@code now} is after the certificate's {@code notAfter}. */
  public static boolean isExpired(X509Certificate certificate, Instant now) {
    return now.isAfter(certificate.getNotAfter().toInstant());
  }

  static void checkTime(String what, X509Certificate certificate, Instant now)
      throws TlsMaterialException {
    Instant notBefore = certificate.getNotBefore().toInstant();
    Instant notAfter = certificate.getNotAfter().toInstant();
    if (now.isAfter(notAfter)) {
      throw new TlsMaterialException(
          what
              + " "
              + describe(certificate)
              + " expired at "
              + notAfter
              + " (now "
              + now
              + "); renew it (in standalone mode, delete it and restart to regenerate)");
    }
    if (now.isBefore(notBefore)) {
      throw new TlsMaterialException(
          what
              + " "
              + describe(certificate)
              + " is not valid before "
              + notBefore
              + " (now "
              + now
              + "); check this machine's clock or the issuer's");
    }
  }

  static void checkKeyMatches(String what, X509Certificate certificate, PrivateKey key)
      throws TlsMaterialException {
    PROVEN.run(
        "key",
        () -> proveKeyMatches(what, certificate, key),
        ProvenChecks.encoded(certificate),
        key.getEncoded());
  }

  private static void proveKeyMatches(String what, X509Certificate certificate, PrivateKey key)
      throws TlsMaterialException {
    PublicKey publicKey = certificate.getPublicKey();
    String mismatch =
        what
            + ": the private key does not belong to certificate "
            + describe(certificate)
            + "; install the key that was used to request this certificate";
    if (!publicKey.getAlgorithm().equals(key.getAlgorithm())) {
      throw new TlsMaterialException(
          mismatch
              + " (the key is "
              + key.getAlgorithm()
              + ", the certificate "
              + publicKey.getAlgorithm()
              + ")");
    }
    if (publicKey instanceof RSAKey rsaPublic && key instanceof RSAKey rsaPrivate) {
      // Same modulus, same key pair; no signature needed.
      if (!rsaPublic.getModulus().equals(rsaPrivate.getModulus())) {
        throw new TlsMaterialException(mismatch);
      }
      return;
    }
    // EC and EdDSA private keys do not expose their public point through the JDK: sign a
    // challenge and verify it with the certificate's key.
    String algorithm = signatureAlgorithm(key.getAlgorithm());
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(CHALLENGE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(CHALLENGE);
      if (!verifier.verify(signature)) {
        throw new TlsMaterialException(mismatch);
      }
    } catch (GeneralSecurityException e) {
      throw new TlsMaterialException(mismatch + " (" + e.getMessage() + ")", e);
    }
  }

  private static String signatureAlgorithm(String keyAlgorithm) throws TlsMaterialException {
    return switch (keyAlgorithm) {
      case "EC" -> "SHA256withECDSA";
      case "Ed25519", "Ed448", "EdDSA" -> keyAlgorithm;
      default ->
          throw new TlsMaterialException(
              "unsupported key algorithm " + keyAlgorithm + "; use an EC, RSA or Ed25519 key");
    };
  }

  static void checkSignedBy(String what, X509Certificate certificate, X509Certificate ca)
      throws TlsMaterialException {
    if (!certificate.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
      throw new TlsMaterialException(
          wrongCa(what, certificate, ca)
              + " (its issuer is "
              + certificate.getIssuerX500Principal().getName()
              + ")");
    }
    PROVEN.run(
        "signed",
        () -> {
          try {
            certificate.verify(ca.getPublicKey());
          } catch (GeneralSecurityException e) {
            throw new TlsMaterialException(
                wrongCa(what, certificate, ca)
                    + " (same issuer name, but the signature does not verify)",
                e);
          }
        },
        ProvenChecks.encoded(certificate),
        ProvenChecks.encoded(ca));
  }

  private static String wrongCa(String what, X509Certificate certificate, X509Certificate ca) {
    return what
        + " certificate "
        + describe(certificate)
        + " was not issued by the CA "
        + describe(ca)
        + "; install a certificate signed by this CA, or the CA that signed it";
  }

  static String describe(X509Certificate certificate) {
    return "\""
        + certificate.getSubjectX500Principal().getName()
        + "\" (serial "
        + certificate.getSerialNumber().toString(16)
        + ", valid "
        + certificate.getNotBefore().toInstant()
        + " to "
        + certificate.getNotAfter().toInstant()
        + ")";
  }
}
