package io.pgwarden.tls;

import io.pgwarden.pgdata.AtomicFiles;
import java.io.IOException;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import javax.security.auth.x500.X500Principal;

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

  private static final X500Principal REPLICATION_SUBJECT =
      new X500Principal("CN=" + StandaloneTls.REPLICATION_USER);

  private InstalledCertificates() {}

  /**
   * Validates the set at {@code now} and installs it.
   *
   * @param serverCrt PEM chain of the server secret's {@code tls.crt}, leaf first
   * @param serverCa PEM of the CA that signed the server certificate
   * @param clientCa PEM of the CA postgres trusts for client certificates; it must have signed the
   *     replication certificate
   * @param replicationCrt PEM of the replication secret's {@code tls.crt}, CN {@code
   *     streaming_replica}
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
    List<X509Certificate> serverChain = Pem.certificates(serverCrt, "server certificate");
    PrivateKey serverPrivateKey = Pem.privateKey(serverKey, "server private key");
    X509Certificate serverCaCert = Pem.certificates(serverCa, "server CA").get(0);
    X509Certificate clientCaCert = Pem.certificates(clientCa, "client CA").get(0);
    List<X509Certificate> replicationChain =
        Pem.certificates(replicationCrt, "replication certificate");
    PrivateKey replicationPrivateKey = Pem.privateKey(replicationKey, "replication private key");

    CertificateChecks.validateChain("server", serverChain, serverPrivateKey, serverCaCert, now);
    CertificateChecks.validateChain(
        "replication", replicationChain, replicationPrivateKey, clientCaCert, now);
    X500Principal replicationSubject = replicationChain.get(0).getSubjectX500Principal();
    if (!replicationSubject.equals(REPLICATION_SUBJECT)) {
      // pg_ident maps the certificate's CN to the role: any other subject fails replication.
      throw new TlsMaterialException(
          "replication certificate subject is \""
              + replicationSubject.getName()
              + "\" but postgres maps only CN="
              + StandaloneTls.REPLICATION_USER
              + " to the replication role; issue it for that CN");
    }

    boolean changed = false;
    // Keys first: a reader that sees a new certificate finds its key already there.
    changed |= write(certificatesDir, SERVER_KEY, serverKey);
    changed |= write(certificatesDir, SERVER_CRT, serverCrt);
    changed |= write(certificatesDir, SERVER_CA, serverCa);
    changed |= write(certificatesDir, CLIENT_CA, clientCa);
    changed |= write(certificatesDir, REPLICATION_KEY, replicationKey);
    changed |= write(certificatesDir, REPLICATION_CRT, replicationCrt);
    return changed;
  }

  private static boolean write(Path dir, String name, byte[] content) throws IOException {
    return AtomicFiles.install(dir.resolve(name), content, AtomicFiles.OWNER_ONLY);
  }
}
