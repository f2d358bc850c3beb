package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.tls.CertificateGenerator;
import io.pgwarden.tls.Issued;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Changes to the spec and Secrets applied live, with a reload and never a restart. */
class LiveConfigIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void tcpWithoutTlsIsRejectedAndVerifiedTls13IsAccepted() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      assertThatThrownBy(() -> tcp(pg, "app", password(pg, "pgwarden-app"), "disable").close())
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("no encryption");
      try (Connection c = tcp(pg, "app", password(pg, "pgwarden-app"), "verify-full");
          Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()")) {
        rs.next();
        assertThat(rs.getBoolean(1)).isTrue();
        assertThat(rs.getString(2)).isEqualTo("TLSv1.3");
      }
      assertThat(pg.query("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL"))
          .isEqualTo("0");
    }
  }

  @Test
  void superuserPasswordLoginFollowsEnableSuperuserAccess() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(spec, "spec:\n  enableSuperuserAccess: false\n");
    Path superuser = Files.createDirectories(dir.resolve("secrets/pgwarden-superuser"));
    Files.writeString(superuser.resolve("username"), "postgres");
    Files.writeString(superuser.resolve("password"), "s3cret-Pa55word");
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      pg.awaitReady();
      assertThatThrownBy(() -> tcp(pg, "postgres", "s3cret-Pa55word", "verify-full").close())
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("password authentication failed");
      Path pgpass = pg.controller.resolve("run/postgres.pgpass");
      assertThat(pgpass).doesNotExist();

      int mark = pg.mark();
      Files.writeString(spec, "spec:\n  enableSuperuserAccess: true\n");
      pg.awaitMessage(mark, "password of role postgres applied", WAIT);
      try (Connection c = tcp(pg, "postgres", "s3cret-Pa55word", "verify-full")) {
        assertThat(c.isValid(5)).isTrue();
      }
      assertThat(Files.readString(pgpass)).endsWith(":postgres:s3cret-Pa55word\n");
      assertThat(Files.getPosixFilePermissions(pgpass)).hasSize(2);

      mark = pg.mark();
      Files.writeString(spec, "spec:\n  enableSuperuserAccess: false\n");
      pg.awaitMessage(mark, "password of role postgres removed", WAIT);
      assertThatThrownBy(() -> tcp(pg, "postgres", "s3cret-Pa55word", "verify-full").close())
          .isInstanceOf(SQLException.class);
      assertThat(pgpass).doesNotExist();
      assertThat(pg.logs().toString()).doesNotContain("s3cret-Pa55word");
    }
  }

  @Test
  void aRotatedServerCertificateIsServedWithoutRestart() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      long postmaster = pg.postmasterPid();
      BigInteger before = KubeScene.servedSerial(pg.pgPort);
      Issued next = KubeScene.issueServer(pg.secrets, "pgwarden");
      assertThat(next.certificate().getSerialNumber()).isNotEqualTo(before);

      Path server = pg.secrets.resolve("pgwarden-server");
      Files.write(server.resolve("tls.key"), next.privateKeyPem());
      Files.write(server.resolve("tls.crt"), next.certificatePem());

      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!KubeScene.servedSerial(pg.pgPort).equals(next.certificate().getSerialNumber())
          && System.nanoTime() < deadline) {
        Thread.sleep(100);
      }
      assertThat(KubeScene.servedSerial(pg.pgPort)).isEqualTo(next.certificate().getSerialNumber());
      assertThat(pg.postmasterPid()).isEqualTo(postmaster);
      try (Connection c = tcp(pg, "app", password(pg, "pgwarden-app"), "verify-full")) {
        assertThat(c.isValid(5)).isTrue();
      }
    }
  }

  @Test
  void unusableTlsMaterialIsRefusedAndThePreviousCertificateStaysInForce() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      BigInteger before = KubeScene.servedSerial(pg.pgPort);
      Path crt = pg.secrets.resolve("pgwarden-server/tls.crt");
      byte[] good = Files.readAllBytes(crt);
      // A certificate that does not match the key: another CA's server certificate.
      CertificateGenerator generator = new CertificateGenerator(Clock.systemUTC());
      Issued otherCa = generator.generateCa("other", Duration.ofDays(30));
      Issued foreign =
          generator.issueServer(
              otherCa, "localhost", List.of("localhost"), List.of(), Duration.ofDays(30));
      int mark = pg.mark();
      Files.write(crt, foreign.certificatePem());
      pg.awaitLog(mark, n -> n.path("msg").asText().startsWith("refused TLS material"), WAIT);
      assertThat(KubeScene.servedSerial(pg.pgPort)).isEqualTo(before);
      try (Connection c = tcp(pg, "app", password(pg, "pgwarden-app"), "verify-full")) {
        assertThat(c.isValid(5)).isTrue();
      }
      mark = pg.mark();
      Files.write(
          crt, "-----BEGIN CERTIFICATE-----\nnot base64\n".getBytes(StandardCharsets.US_ASCII));
      pg.awaitLog(mark, n -> n.path("msg").asText().startsWith("refused TLS material"), WAIT);
      assertThat(KubeScene.servedSerial(pg.pgPort)).isEqualTo(before);
      Files.write(crt, good);
    }
  }

  @Test
  void theAllowPlaintextAnnotationLiftsTheRejectRule() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(
        spec, "metadata:\n  annotations:\n    pgwarden.io/allowPlaintext: \"true\"\n");
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      pg.awaitReady();
      try (Connection c = tcp(pg, "app", password(pg, "pgwarden-app"), "disable")) {
        assertThat(c.isValid(5)).isTrue();
      }
      assertThat(pg.query("SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'reject'"))
          .isEqualTo("0");
    }
  }

  @Test
  void aChangeWithAProtectedParameterIsRefusedWholeByNameThenTheFixedOneApplies() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(spec, "spec:\n  postgresql:\n    parameters:\n      work_mem: 8MB\n");
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      pg.awaitReady();
      long postmaster = pg.postmasterPid();
      assertThat(pg.query("SHOW work_mem")).isEqualTo("8MB");

      String fixed =
          """
          spec:
            postgresql:
              parameters:
                work_mem: 12MB
                shared_buffers: 64MB
              pg_hba:
                - hostssl app app 10.0.0.0/8 scram-sha-256
          """;
      Files.writeString(
          spec,
          fixed.replace("work_mem: 12MB", "work_mem: 12MB\n      archive_mode: \"on\"")
              + "      - \"host all all all trust\\nhost all all all trust\"\n");
      pg.awaitLog(
          n ->
              "error".equals(n.path("level").asText())
                  && n.path("msg").asText().contains("spec.postgresql.parameters.archive_mode"),
          WAIT);
      pg.awaitLog(n -> n.path("msg").asText().contains("spec.postgresql.pg_hba[1]"), WAIT);
      // All or nothing: no part of a change with a refused part applies.
      assertThat(pg.query("SHOW work_mem")).isEqualTo("8MB");
      assertThat(pg.query("SHOW archive_mode")).isEqualTo("off");
      assertThat(pg.query("SELECT count(*) FROM pg_hba_file_rules WHERE auth_method = 'trust'"))
          .isEqualTo("0");
      assertThat(Files.readString(pg.data.resolve("custom.conf"))).contains("work_mem = '8MB'");

      Files.writeString(spec, fixed);
      pg.awaitMessage("restart required to apply: [shared_buffers]", WAIT);
      assertThat(pg.query("SHOW work_mem")).isEqualTo("12MB");
      assertThat(pg.query("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL"))
          .isEqualTo("0");
      assertThat(
              pg.query(
                  "SELECT count(*) FROM pg_hba_file_rules WHERE '10.0.0.0' = address"
                      + " AND type = 'hostssl'"))
          .isEqualTo("1");
      assertThat(pg.postmasterPid()).isEqualTo(postmaster);

      int mark = pg.mark();
      Files.writeString(spec, "spec:\n  postgresql:\n    parameters:\n      work_mem: [oops\n");
      pg.awaitLog(mark, n -> n.path("msg").asText().startsWith("refused spec:"), WAIT);
      assertThat(pg.query("SHOW work_mem")).isEqualTo("12MB");
      assertThat(pg.isAlive()).isTrue();
    }
  }

  private static String password(Pgwarden pg, String secret) throws Exception {
    return Files.readString(pg.secrets.resolve(secret).resolve("password"));
  }

  private static Connection tcp(Pgwarden pg, String user, String password, String sslmode)
      throws SQLException {
    return KubeScene.tcp(
        pg.pgPort, pg.secrets.resolve("pgwarden-ca/ca.crt"), user, password, sslmode);
  }
}
