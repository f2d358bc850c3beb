package io.pgwarden.tls;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.pgwarden.pgdata.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import javax.security.auth.x500.X500Principal;

/**
 * The TLS material of one instance, read from the Secrets and validated once per change: it feeds
 * postgres's files ({@link #install}), port 8000's context ({@link #server}) and the expiry gauges
 * ({@link #notAfter}). The bytes are kept as the Secrets hold them (never re-encoded), so an
 * unchanged Secret changes no file. {@link #toString()} names no key material.
 */
public final class TlsMaterial {
  private static final X500Principal REPLICATION_SUBJECT =
      new X500Principal("CN=" + StandaloneTls.REPLICATION_USER);

  /** Installed file name to bytes, keys before their certificates (see {@link #install}). */
  private final Map<String, byte[]> files;

  private final Issued server;
  private final X509Certificate clientCa;
  private final Map<String, Instant> notAfter;
  private final String fingerprint;
  private final String digest;

  private TlsMaterial(
      Map<String, byte[]> files,
      Issued server,
      X509Certificate clientCa,
      Map<String, Instant> notAfter) {
    this.files = files;
    this.server = server;
    this.clientCa = clientCa;
    this.notAfter = notAfter;
    this.fingerprint = sha256(encoded(server.certificate()));
    this.digest = digestOf(files);
  }

  /**
   * Lowercase hex SHA-256 over installed file names and their bytes, in name order: what {@link
   * #digest()} is for the material these files make, computed without parsing them.
   */
  public static String digestOf(Map<String, byte[]> files) {
    MessageDigest all = sha256();
    for (Map.Entry<String, byte[]> file : new TreeMap<>(files).entrySet()) {
      all.update(file.getKey().getBytes(StandardCharsets.UTF_8));
      all.update((byte) 0);
      all.update(file.getValue());
      all.update((byte) 0);
    }
    return HexFormat.of().formatHex(all.digest());
  }

  /**
   * Parses and validates the set at {@code now}: both chains against their CA, each key against its
   * certificate, the replication certificate's subject.
   *
   * @param serverCrt PEM chain of the server secret's {@code tls.crt}, leaf first
   * @param serverCa PEM of the CA that signed the server certificate
   * @param clientCa PEM of the CA postgres trusts for client certificates; it must have signed the
   *     replication certificate
   * @param replicationCrt PEM of the replication secret's {@code tls.crt}, CN {@code
   *     streaming_replica}
   * @throws TlsMaterialException naming what is unusable
   */
  public static TlsMaterial validate(
      byte[] serverCrt,
      byte[] serverKey,
      byte[] serverCa,
      byte[] clientCa,
      byte[] replicationCrt,
      byte[] replicationKey,
      Instant now)
      throws TlsMaterialException {
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
    // Keys first: a reader that sees a new certificate finds its key already there.
    Map<String, byte[]> files = new LinkedHashMap<>();
    files.put(InstalledCertificates.SERVER_KEY, serverKey.clone());
    files.put(InstalledCertificates.SERVER_CRT, serverCrt.clone());
    files.put(InstalledCertificates.SERVER_CA, serverCa.clone());
    files.put(InstalledCertificates.CLIENT_CA, clientCa.clone());
    files.put(InstalledCertificates.REPLICATION_KEY, replicationKey.clone());
    files.put(InstalledCertificates.REPLICATION_CRT, replicationCrt.clone());
    Map<String, Instant> notAfter = new LinkedHashMap<>();
    notAfter.put("server", serverChain.get(0).getNotAfter().toInstant());
    notAfter.put("server_ca", serverCaCert.getNotAfter().toInstant());
    notAfter.put("client_ca", clientCaCert.getNotAfter().toInstant());
    notAfter.put("replication", replicationChain.get(0).getNotAfter().toInstant());
    return new TlsMaterial(
        Collections.unmodifiableMap(files),
        new Issued(serverChain, serverPrivateKey),
        clientCaCert,
        Collections.unmodifiableMap(notAfter));
  }

  /**
   * Installs every file whose content differs, each atomically, 0600, keys first. Files are not
   * swapped together: the caller reloads postgres only after this returns.
   *
   * @return true when at least one file changed (postgres needs a reload)
   */
  public boolean install(Path certificatesDir) throws IOException {
    boolean changed = false;
    for (Map.Entry<String, byte[]> file : files.entrySet()) {
      changed |=
          AtomicFiles.install(
              certificatesDir.resolve(file.getKey()), file.getValue(), AtomicFiles.OWNER_ONLY);
    }
    return changed;
  }

  /** The server certificate chain and key, as port 8000 serves them. */
  public Issued server() {
    return server;
  }

  /** The CA postgres trusts for client certificates (port 8000's too, when it requires them). */
  @SuppressFBWarnings(
      value = "EI_EXPOSE_REP",
      justification = "an X509Certificate is immutable in practice; the JDK's has no setters")
  public X509Certificate clientCa() {
    return clientCa;
  }

  /**
   * The notAfter of the server, server CA, client CA and replication certificates, by those names.
   */
  @SuppressFBWarnings(value = "EI_EXPOSE_REP", justification = "an unmodifiable map of immutables")
  public Map<String, Instant> notAfter() {
    return notAfter;
  }

  /** Lowercase hex SHA-256 of the server certificate's DER encoding. */
  public String fingerprint() {
    return fingerprint;
  }

  /**
   * Lowercase hex SHA-256 over every file's name and bytes: equal exactly when the installed files
   * would be.
   */
  public String digest() {
    return digest;
  }

  @Override
  public String toString() {
    return "TlsMaterial[server certificate sha256 " + fingerprint + "]";
  }

  private static byte[] encoded(X509Certificate certificate) {
    try {
      return certificate.getEncoded();
    } catch (CertificateEncodingException e) {
      throw new IllegalStateException("a parsed certificate cannot be encoded again", e);
    }
  }

  private static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }
}
