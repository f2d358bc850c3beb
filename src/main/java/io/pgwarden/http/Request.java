package io.pgwarden.http;

import io.netty.handler.codec.http.HttpMethod;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What a route sees of a request: the method, the path (without the query), the query string (empty
 * when none), and the client's certificate chain (empty without TLS or without a certificate). The
 * Netty message itself stays with the {@link Router}, which releases it.
 */
public record Request(
    HttpMethod method, String path, String query, List<X509Certificate> peerCertificates) {
  public Request {
    peerCertificates = List.copyOf(peerCertificates);
  }
}
