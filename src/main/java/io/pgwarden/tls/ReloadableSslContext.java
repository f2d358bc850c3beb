package io.pgwarden.tls;

import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;

/**
 * The server {@link SslContext} of port 8000, swapped in memory when the server secret rotates.
 * Channel initializers read {@link #current()} for each new connection; connections already open
 * keep the context they started with. TLS 1.3 only, JDK provider.
 */
public final class ReloadableSslContext {
  static final String TLS_13 = "TLSv1.3";

  private final List<X509Certificate> trustedClientCas;
  private final AtomicReference<SslContext> current = new AtomicReference<>();

  /**
   * @param trustedClientCas CAs whose client certificates are accepted (requested, not required:
   *     {@link ClientAuth#OPTIONAL}); empty to ask for none
   */
  public ReloadableSslContext(
      X509Certificate[] chain, PrivateKey key, List<X509Certificate> trustedClientCas)
      throws TlsMaterialException {
    this.trustedClientCas = List.copyOf(trustedClientCas);
    reload(chain, key);
  }

  /** Builds a context for the new certificate and swaps it in; on failure the old one stays. */
  public void reload(X509Certificate[] chain, PrivateKey key) throws TlsMaterialException {
    if (chain.length == 0) {
      throw new TlsMaterialException("port 8000 TLS: no certificate to serve");
    }
    // The JDK provider would accept a mismatched pair and fail every handshake instead.
    CertificateChecks.checkKeyMatches("port 8000 TLS", chain[0], key);
    try {
      SslContextBuilder builder =
          SslContextBuilder.forServer(key, chain).sslProvider(SslProvider.JDK).protocols(TLS_13);
      if (!trustedClientCas.isEmpty()) {
        builder
            .trustManager(trustedClientCas.toArray(new X509Certificate[0]))
            .clientAuth(ClientAuth.OPTIONAL);
      }
      current.set(builder.build());
    } catch (SSLException | IllegalArgumentException e) {
      throw new TlsMaterialException(
          "cannot build the TLS context for certificate "
              + CertificateChecks.describe(chain[0])
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
}
