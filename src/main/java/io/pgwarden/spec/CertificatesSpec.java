package io.pgwarden.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import java.util.List;

/** {@code spec.certificates}: names of the Secrets with TLS material; empty means the defaults. */
@JsonIgnoreProperties(ignoreUnknown = false)
public record CertificatesSpec(
    String serverCASecret,
    String serverTLSSecret,
    String replicationTLSSecret,
    String clientCASecret,
    List<String> serverAltDNSNames) {
  public CertificatesSpec {
    serverAltDNSNames = serverAltDNSNames == null ? List.of() : List.copyOf(serverAltDNSNames);
  }
}
