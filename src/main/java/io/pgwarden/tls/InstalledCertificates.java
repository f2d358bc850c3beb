package io.pgwarden.tls;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;

/**
 * Installs the Secrets' TLS material where postgres reads it ({@code /controller/certificates}):
 * {@code server.crt}, {@code server.key}, {@code server-ca.crt}, {@code client-ca.crt}, {@code
 * streaming_replica.crt}, {@code streaming_replica.key}, each 0600 and atomic.
 *
 * <p>Everything is parsed and validated before the first file is written, so a bad set is refused
 * whole and postgres keeps the set it has. The bytes are written as they came from the Secrets (not
 * re-encoded), so an unchanged Secret changes no file. Files are not swapped together: the caller
 * reloads postgres only after {@link #install} returns.
 */
public final class InstalledCertificates {
  public static final String SERVER_CRT = "server.crt";
  public static final String SERVER_KEY = "server.key";
  public static final String SERVER_CA = "server-ca.crt";
  public static final String CLIENT_CA = "client-ca.crt";
  public static final String REPLICATION_CRT = "streaming_replica.crt";
  public static final String REPLICATION_KEY = "streaming_replica.key";

  private InstalledCertificates() {}

  /**
   * Validates the set at {@code now} and installs it ({@link TlsMaterial#validate}, then {@link
   * TlsMaterial#install}).
   *
   * @return true when at least one file changed (postgres needs a reload)
   * @throws TlsMaterialException when anything is unusable; nothing has been written then
   */
  public static boolean install(
      Path certificatesDir,
      byte[] serverCrt,
      byte[] serverKey,
      byte[] serverCa,
      byte[] clientCa,
      byte[] replicationCrt,
      byte[] replicationKey,
      Instant now)
      throws IOException, TlsMaterialException {
    return TlsMaterial.validate(
            serverCrt, serverKey, serverCa, clientCa, replicationCrt, replicationKey, now)
        .install(certificatesDir);
  }
}
