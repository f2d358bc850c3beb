package io.pgwarden.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pgwarden.tls.Fingerprints;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who may call a route ({@link Route.Access}), decided from the client's certificate chain: the
 * operator by its registered fingerprint, and, when the server requires client certificates,
 * everyone but the kubelet probes by a chain from the client CA.
 */
final class RouteAccess {
  private static final Logger log = LoggerFactory.getLogger(RouteAccess.class);

  private final Supplier<Optional<String>> operatorFingerprint;
  private final Optional<X509Certificate> clientCa;

  /**
   * @param operatorFingerprint the SPKI SHA-256 (hex) of the operator's certificate; empty until
   *     registered
   * @param clientCa the CA every non-probe caller's certificate must chain to; empty for none
   */
  RouteAccess(Supplier<Optional<String>> operatorFingerprint, Optional<X509Certificate> clientCa) {
    this.operatorFingerprint = operatorFingerprint;
    this.clientCa = clientCa;
  }

  /** The refusal for a caller presenting {@code chain} (leaf first); empty when allowed. */
  Optional<Response> check(Route route, List<X509Certificate> chain) {
    if (route.access() != Route.Access.PROBE && clientCa.isPresent()) {
      if (chain.isEmpty()) {
        return Optional.of(
            Response.text(HttpResponseStatus.FORBIDDEN, "a client certificate is required"));
      }
      if (!issuedBy(chain, clientCa.get())) {
        return Optional.of(
            Response.text(
                HttpResponseStatus.FORBIDDEN,
                "the client certificate is not issued by the trusted client CA"));
      }
    }
    if (route.access() == Route.Access.OPERATOR) {
      if (chain.isEmpty()) {
        return Optional.of(
            Response.text(HttpResponseStatus.UNAUTHORIZED, "a client certificate is required"));
      }
      Optional<String> expected = operatorFingerprint.get();
      if (expected.isEmpty()) {
        return Optional.of(
            Response.text(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                "no operator certificate fingerprint is registered yet"));
      }
      byte[] want = expected.get().trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
      byte[] got = Fingerprints.spkiSha256Hex(chain.get(0)).getBytes(StandardCharsets.UTF_8);
      if (!MessageDigest.isEqual(want, got)) {
        return Optional.of(
            Response.text(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                "the client certificate is not the registered operator certificate"));
      }
    }
    return Optional.empty();
  }

  /** PKIX from {@code ca}: signatures, validity, CA constraints of intermediates; no revocation. */
  static boolean issuedBy(List<X509Certificate> chain, X509Certificate ca) {
    List<X509Certificate> path = new ArrayList<>();
    for (X509Certificate c : chain) {
      if (!c.equals(ca)) { // the anchor itself is not part of a certification path
        path.add(c);
      }
    }
    if (path.isEmpty()) {
      return false;
    }
    try {
      PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
      parameters.setRevocationEnabled(false);
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
      return true;
    } catch (GeneralSecurityException e) {
      log.debug("client certificate refused: {}", e.getMessage());
      return false;
    }
  }
}
