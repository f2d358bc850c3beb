package io.pgwarden.tls;

import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * A certificate chain (leaf first) and its private key, as generated or read from a secret. {@link
 * #toString()} names the certificate only: the key never reaches a log line.
 */
public record Issued(List<X509Certificate> chain, PrivateKey privateKey) {
  public Issued {
    chain = List.copyOf(chain);
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("a certificate chain needs at least one certificate");
    }
    if (privateKey == null) {
      throw new IllegalArgumentException("a private key is required");
    }
  }

  /** The leaf certificate. */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  /** The chain as PEM, leaf first. */
  public byte[] certificatePem() {
    return Pem.encodeCertificates(chain);
  }

  /** The key as PKCS#8 PEM. */
  public byte[] privateKeyPem() {
    return Pem.encodePrivateKey(privateKey);
  }

  @Override
  public String toString() {
    return "Issued[subject="
        + certificate().getSubjectX500Principal().getName()
        + ", serial="
        + certificate().getSerialNumber().toString(16)
        + "]";
  }
}
