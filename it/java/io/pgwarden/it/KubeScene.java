package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.tls.CertificateGenerator;
import io.pgwarden.tls.Issued;
import io.pgwarden.tls.Pem;
import io.pgwarden.tls.StandaloneTls;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the operator would have put in the API before pgwarden starts (TLS Secrets, a Cluster), and
 * how a client sees the certificate postgres serves. Shared by the tests and the rotation bench.
 */
final class KubeScene {
  private KubeScene() {}

  /** TLS material as the operator creates it, written to the API as Secrets; returns its files. */
  static Path tlsSecrets(MockApi api, Path dir, String cluster) throws Exception {
    Path tls = dir.resolve("tls");
    StandaloneTls.ensure(
        tls, cluster, List.of("localhost", cluster + "-rw", Pgwarden.POD), Instant.now());
    api.secret(cluster + "-ca", Map.of("ca.crt", read(tls, cluster + "-ca/ca.crt")));
    api.secret(
        cluster + "-server",
        Map.of(
            "tls.crt", read(tls, cluster + "-server/tls.crt"),
            "tls.key", read(tls, cluster + "-server/tls.key")));
    api.secret(
        cluster + "-replication",
        Map.of(
            "tls.crt", read(tls, cluster + "-replication/tls.crt"),
            "tls.key", read(tls, cluster + "-replication/tls.key")));
    return tls;
  }

  private static byte[] read(Path dir, String file) throws Exception {
    return Files.readAllBytes(dir.resolve(file));
  }

  /** A Cluster with one instance, database and owner {@code app}, and {@code spec} lines. */
  static String cluster(String name, String spec) {
    return "apiVersion: postgresql.cnpg.io/v1\n"
        + "kind: Cluster\n"
        + "metadata:\n"
        + "  name: "
        + name
        + "\n"
        + "  namespace: "
        + MockApi.NAMESPACE
        + "\n"
        + "spec:\n"
        + "  instances: 1\n"
        + "  storage: {size: 1Gi}\n"
        + "  bootstrap: {initdb: {database: app, owner: app}}\n"
        + spec;
  }

  /** A new server certificate for localhost from the CA in {@code tls}. */
  static Issued issueServer(Path tls, String cluster) throws Exception {
    Path ca = tls.resolve(cluster + "-ca");
    Issued authority =
        new Issued(
            Pem.certificates(Files.readAllBytes(ca.resolve("ca.crt")), "ca.crt"),
            Pem.privateKey(Files.readAllBytes(ca.resolve("ca.key")), "ca.key"));
    return new CertificateGenerator(Clock.systemUTC())
        .issueServer(
            authority,
            "localhost",
            List.of("localhost"),
            List.of("127.0.0.1"),
            Duration.ofDays(30));
  }

  /** A TCP connection to postgres on {@code port}, database app (postgres for the superuser). */
  static Connection tcp(int port, Path caCrt, String user, String password, String sslmode)
      throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", user);
    p.setProperty("password", password);
    p.setProperty("sslmode", sslmode);
    p.setProperty("sslrootcert", caCrt.toString());
    p.setProperty("gssEncMode", "disable");
    return DriverManager.getConnection(
        "jdbc:postgresql://localhost:"
            + port
            + "/"
            + ("postgres".equals(user) ? "postgres" : "app"),
        p);
  }

  /** The serial of the certificate postgres on {@code port} serves now, as openssl sees it. */
  static BigInteger servedSerial(int port) throws Exception {
    Process p =
        new ProcessBuilder(
                "openssl",
                "s_client",
                "-starttls",
                "postgres",
                "-connect",
                "localhost:" + port,
                "-tls1_3",
                "-showcerts")
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    Matcher m =
        Pattern.compile("-----BEGIN CERTIFICATE-----.*?-----END CERTIFICATE-----", Pattern.DOTALL)
            .matcher(out);
    assertThat(m.find()).as("openssl output: %s", out).isTrue();
    X509Certificate cert =
        Pem.certificates(m.group().getBytes(StandardCharsets.US_ASCII), "served").get(0);
    return cert.getSerialNumber();
  }
}
