package io.pgwarden.http;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.pgwarden.tls.Issued;
import io.pgwarden.tls.TlsMaterialException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;

/**
 * The server TLS of port 8000: TLS 1.3 only, the JDK's provider, client certificates requested but
 * not required ({@link ClientAuth#OPTIONAL}) and accepted at the TLS layer whatever their issuer,
 * for the {@link Router} to authenticate per route. Swapped in memory on {@link #reload}: new
 * connections get the new certificate, open ones keep theirs.
 *
 * <p>The {@link SSLContext} is built with the JDK directly and wrapped in a {@link JdkSslContext}:
 * Netty's {@code SslContextBuilder} probes for BouncyCastle's providers when they are on the class
 * path, which costs about 1.5 s at start.
 */
public final class StatusTls {
  static final String TLS_13 = "TLSv1.3";
  private static final byte[] CHALLENGE = "pgwarden key check".getBytes(StandardCharsets.UTF_8);

  private final AtomicReference<SslContext> current = new AtomicReference<>();

  /** A context serving {@code chain} (leaf first) with {@code key}. */
  public StatusTls(X509Certificate[] chain, PrivateKey key) throws TlsMaterialException {
    reload(chain, key);
  }

  /** A context serving a parsed secret. */
  public StatusTls(Issued material) throws TlsMaterialException {
    reload(material);
  }

  /** Builds a context for the new certificate and swaps it in; on failure the old one stays. */
  public void reload(X509Certificate[] chain, PrivateKey key) throws TlsMaterialException {
    if (chain.length == 0) {
      throw new TlsMaterialException("port 8000 TLS: no certificate to serve");
    }
    checkKeyMatches(chain[0], key);
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      char[] transientPassword = new char[0]; // the store lives in memory for a moment only
      store.setKeyEntry("server", key, transientPassword, chain);
      KeyManagerFactory keys =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      keys.init(store, transientPassword);
      SSLContext context = SSLContext.getInstance(TLS_13);
      context.init(keys.getKeyManagers(), new TrustManager[] {AnyClientCertificate.INSTANCE}, null);
      current.set(
          new JdkSslContext(
              context,
              false,
              null,
              IdentityCipherSuiteFilter.INSTANCE,
              null,
              ClientAuth.OPTIONAL,
              new String[] {TLS_13},
              false));
    } catch (GeneralSecurityException | IOException e) {
      throw new TlsMaterialException(
          "cannot build the port 8000 TLS context for "
              + chain[0].getSubjectX500Principal().getName()
              + "; the previous certificate stays in use ("
              + e.getMessage()
              + ")",
          e);
    }
  }

  /** {@link #reload(X509Certificate[], PrivateKey)} for a parsed secret. */
  public void reload(Issued material) throws TlsMaterialException {
    reload(material.chain().toArray(new X509Certificate[0]), material.privateKey());
  }

  /** The context for a new connection. */
  public SslContext current() {
    return current.get();
  }

  /**
   * The JDK would take a mismatched pair and fail every handshake instead: sign a challenge with
   * the key and verify it with the certificate.
   */
  private static void checkKeyMatches(X509Certificate certificate, PrivateKey key)
      throws TlsMaterialException {
    String algorithm =
        switch (key.getAlgorithm()) {
          case "EC" -> "SHA256withECDSA";
          case "RSA" -> "SHA256withRSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          default -> null;
        };
    if (algorithm == null) {
      return; // unknown key type: the handshake will tell
    }
    try {
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(CHALLENGE);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(CHALLENGE);
      if (verifier.verify(signature)) {
        return;
      }
    } catch (GeneralSecurityException e) {
      // a key of another type than the certificate's: a mismatch too
    }
    throw new TlsMaterialException(
        "port 8000 TLS: the private key does not belong to the certificate "
            + certificate.getSubjectX500Principal().getName()
            + "; the previous certificate stays in use");
  }
}
