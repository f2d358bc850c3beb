package io.pgwarden.tls;

import io.pgwarden.pgdata.AtomicFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Standalone mode's certificates: makes sure the secrets directory holds a CA, a server certificate
 * and a {@code streaming_replica} client certificate, laid out as mounted Kubernetes Secrets
 * ({@code <c>-ca/ca.crt, ca.key}, {@code <c>-server/tls.crt, tls.key}, {@code
 * <c>-replication/tls.crt, tls.key}), so a second start reuses them and a user sees what a
 * Kubernetes deployment would hold.
 *
 * <p>Policy, kept simple on purpose: a certificate is (re)generated only when it is missing or
 * already expired, never because it expires soon; a new CA reissues both leaves (they cannot have
 * been signed by it). Material that exists but is wrong (a key that does not match, a leaf from
 * another CA) is refused with {@link TlsMaterialException} rather than overwritten: it may be the
 * user's. Keys are written before their certificates, so a crash between the two leaves a
 * certificate "missing" and the next start generates the pair again.
 *
 * <p>BouncyCastle is loaded only when something has to be generated.
 */
public final class StandaloneTls {
  public static final String CA_CRT = "ca.crt";
  public static final String CA_KEY = "ca.key";
  public static final String TLS_CRT = "tls.crt";
  public static final String TLS_KEY = "tls.key";
  public static final String REPLICATION_USER = "streaming_replica";

  private static final Set<PosixFilePermission> OWNER_DIRECTORY =
      PosixFilePermissions.fromString("rwx------");
  // A Kubernetes object name (RFC 1123 label): also keeps the name from escaping secretsDir.
  private static final Pattern CLUSTER_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final List<String> LOOPBACK_IPS = List.of("127.0.0.1", "::1");

  /**
   * What {@link #ensure} did, by secret name, for one log line. Holds no key material.
   *
   * @param generated secrets written by this call
   * @param reused secrets found valid and left untouched
   */
  public record Outcome(List<String> generated, List<String> reused) {
    public Outcome {
      generated = List.copyOf(generated);
      reused = List.copyOf(reused);
    }
  }

  private StandaloneTls() {}

  public static String caSecret(String clusterName) {
    return clusterName + "-ca";
  }

  public static String serverSecret(String clusterName) {
    return clusterName + "-server";
  }

  public static String replicationSecret(String clusterName) {
    return clusterName + "-replication";
  }

  /**
   * Generates whatever is missing or expired under {@code secretsDir} and validates the rest.
   *
   * @param serverDnsNames subject alternative names of the server certificate (the first one is
   *     also its CN; the loopback addresses 127.0.0.1 and ::1 are always added)
   * @throws TlsMaterialException when existing material is unusable and cannot be regenerated
   *     without overwriting what may be the user's
   */
  public static Outcome ensure(
      Path secretsDir, String clusterName, List<String> serverDnsNames, Instant now)
      throws IOException, TlsMaterialException {
    if (!CLUSTER_NAME.matcher(clusterName).matches()) {
      throw new IllegalArgumentException(
          "cluster name \"" + clusterName + "\" is not a valid Kubernetes name");
    }
    Run run = new Run(secretsDir, clusterName, now);
    run.ensureCa();
    String cn = serverDnsNames.isEmpty() ? clusterName : serverDnsNames.get(0);
    List<String> dnsNames = List.copyOf(serverDnsNames);
    run.ensureLeaf(
        serverSecret(clusterName),
        (generator, ca) ->
            generator.issueServer(
                ca, cn, dnsNames, LOOPBACK_IPS, CertificateGenerator.DEFAULT_VALIDITY));
    run.ensureLeaf(
        replicationSecret(clusterName),
        (generator, ca) ->
            generator.issueClient(ca, REPLICATION_USER, CertificateGenerator.DEFAULT_VALIDITY));
    return new Outcome(run.generated, run.reused);
  }

  private interface Issue {
    Issued issue(CertificateGenerator generator, Issued ca);
  }

  /** One call's state: the CA, the lazily created generator, and what was done. */
  private static final class Run {
    private final Path secretsDir;
    private final String clusterName;
    private final Instant now;
    private final List<String> generated = new ArrayList<>();
    private final List<String> reused = new ArrayList<>();
    private X509Certificate caCert;
    // Null when the CA secret holds only ca.crt: the user brought the leaves and keeps the key.
    private PrivateKey caKey;
    private boolean newCa;
    private CertificateGenerator generator;

    Run(Path secretsDir, String clusterName, Instant now) {
      this.secretsDir = secretsDir;
      this.clusterName = clusterName;
      this.now = now;
    }

    void ensureCa() throws IOException, TlsMaterialException {
      String secret = caSecret(clusterName);
      Path dir = secretsDir.resolve(secret);
      Path crt = dir.resolve(CA_CRT);
      Path key = dir.resolve(CA_KEY);
      if (Files.exists(crt)) {
        caCert = Pem.certificates(Files.readAllBytes(crt), source(secret, CA_CRT)).get(0);
        if (Files.exists(key)) {
          caKey = Pem.privateKey(Files.readAllBytes(key), source(secret, CA_KEY));
          CertificateChecks.checkKeyMatches("secret " + secret, caCert, caKey);
        }
        if (!CertificateChecks.isExpired(caCert, now) || caKey == null) {
          // An expired CA without its key is reported by the leaves' validation.
          reused.add(secret);
          return;
        }
      }
      Issued ca = generator().generateCa(clusterName, CertificateGenerator.DEFAULT_VALIDITY);
      write(dir, key, ca.privateKeyPem());
      write(dir, crt, ca.certificatePem());
      caCert = ca.certificate();
      caKey = ca.privateKey();
      newCa = true;
      generated.add(secret);
    }

    void ensureLeaf(String secret, Issue issue) throws IOException, TlsMaterialException {
      Path dir = secretsDir.resolve(secret);
      Path crt = dir.resolve(TLS_CRT);
      Path key = dir.resolve(TLS_KEY);
      if (!newCa && Files.exists(crt)) {
        if (!Files.exists(key)) {
          throw new TlsMaterialException(
              "secret "
                  + secret
                  + " has "
                  + TLS_CRT
                  + " but no "
                  + TLS_KEY
                  + "; restore the key, or delete "
                  + crt
                  + " to let pgwarden generate a new pair");
        }
        List<X509Certificate> chain =
            Pem.certificates(Files.readAllBytes(crt), source(secret, TLS_CRT));
        PrivateKey leafKey = Pem.privateKey(Files.readAllBytes(key), source(secret, TLS_KEY));
        if (!CertificateChecks.isExpired(chain.get(0), now) || caKey == null) {
          CertificateChecks.validateChain("secret " + secret, chain, leafKey, caCert, now);
          reused.add(secret);
          return;
        }
      }
      if (caKey == null) {
        throw new TlsMaterialException(
            "secret "
                + secret
                + " must be generated but secret "
                + caSecret(clusterName)
                + " has no "
                + CA_KEY
                + " to sign it; add the CA key, or provide "
                + secret
                + " yourself");
      }
      Issued leaf = issue.issue(generator(), new Issued(List.of(caCert), caKey));
      write(dir, key, leaf.privateKeyPem());
      write(dir, crt, leaf.certificatePem());
      generated.add(secret);
    }

    private CertificateGenerator generator() {
      if (generator == null) {
        generator = new CertificateGenerator(Clock.fixed(now, ZoneOffset.UTC));
      }
      return generator;
    }

    private static void write(Path dir, Path file, byte[] content) throws IOException {
      if (!Files.isDirectory(dir)) {
        Files.createDirectories(dir);
        // createDirectories applies the umask; the mode is set once, on the directory we made.
        Files.setPosixFilePermissions(dir, OWNER_DIRECTORY);
      }
      AtomicFiles.install(file, content, AtomicFiles.OWNER_ONLY);
    }

    private static String source(String secret, String key) {
      return "secret " + secret + " key " + key;
    }
  }
}
