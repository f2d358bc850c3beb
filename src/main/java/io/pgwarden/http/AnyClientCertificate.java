package io.pgwarden.http;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The status server's trust manager: any client certificate passes the TLS layer, because the
 * decision is made per route by the {@link Router}, on the certificate's SPKI fingerprint (the
 * operator's certificate is not issued by any CA the instance knows) or, when required, against a
 * client CA. TLS still proves that the client holds the certificate's private key
 * (CertificateVerify). It never trusts a server.
 */
@SuppressFBWarnings(
    value = "WEAK_TRUST_MANAGER",
    justification =
        "server side only: client certificates are authenticated by fingerprint or CA in the"
            + " Router, per route; TLS still checks possession of the key")
final class AnyClientCertificate extends X509ExtendedTrustManager {
  static final AnyClientCertificate INSTANCE = new AnyClientCertificate();

  private AnyClientCertificate() {}

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) {}

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType)
      throws CertificateException {
    throw new CertificateException("the status server's trust manager never trusts a server");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
      throws CertificateException {
    checkServerTrusted(chain, authType);
  }

  /** No CA names in the CertificateRequest: the client may send any certificate. */
  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }
}
