package io.pgwarden.spec;

/**
 * Names of the Secrets a cluster reads, derived from its name as CloudNativePG does, unless the
 * spec names others.
 */
public record SecretNames(
    String server,
    String serverCa,
    String clientCa,
    String replication,
    String app,
    String superuser) {

  public static SecretNames of(Cluster cluster) {
    String c = cluster.name();
    ClusterSpec spec = cluster.spec();
    CertificatesSpec certs = spec.certificates();
    String ca = or(certs.serverCASecret(), c + "-ca");
    return new SecretNames(
        or(certs.serverTLSSecret(), c + "-server"),
        ca,
        or(certs.clientCASecret(), ca),
        or(certs.replicationTLSSecret(), c + "-replication"),
        spec.bootstrap().initdb().secret() == null
            ? c + "-app"
            : spec.bootstrap().initdb().secret().name(),
        spec.superuserSecret() == null ? c + "-superuser" : spec.superuserSecret().name());
  }

  private static String or(String value, String fallback) {
    return value == null ? fallback : value;
  }
}
