package io.pgwarden.tls;

/**
 * The names of the TLS files where postgres reads them ({@code /controller/certificates}): {@code
 * server.crt}, {@code server.key}, {@code server-ca.crt}, {@code client-ca.crt}, {@code
 * streaming_replica.crt}, {@code streaming_replica.key}, each 0600 and atomic.
 *
 * <p>Everything is parsed and validated before the first file is written, so a bad set is refused
 * whole and postgres keeps the set it has. The bytes are written as they came from the Secrets (not
 * re-encoded), so an unchanged Secret changes no file. {@link TlsMaterial} validates and installs
 * them; this class names them.
 */
public final class InstalledCertificates {
  public static final String SERVER_CRT = "server.crt";
  public static final String SERVER_KEY = "server.key";
  public static final String SERVER_CA = "server-ca.crt";
  public static final String CLIENT_CA = "client-ca.crt";
  public static final String REPLICATION_CRT = "streaming_replica.crt";
  public static final String REPLICATION_KEY = "streaming_replica.key";

  private InstalledCertificates() {}
}
