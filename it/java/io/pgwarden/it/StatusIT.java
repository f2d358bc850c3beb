package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgwarden.supervisor.Libc;
import io.pgwarden.tls.CertificateGenerator;
import io.pgwarden.tls.Fingerprints;
import io.pgwarden.tls.Issued;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Port 8000 against a real postgres: TLS 1.3 only, probes, /pg/status, the operator's fingerprint.
 */
class StatusIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void onlyTls13IsAccepted() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      assertThat(openssl(pg, "-tls1_2")).as("TLS 1.2 handshake").isNotZero();
      assertThat(openssl(pg, "-tls1_3")).as("TLS 1.3 handshake").isZero();
    }
  }

  @Test
  void probesFollowPostgresThroughACrashAndASmartShutdown() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      Https https = https(pg, null);
      assertThat(https.get("/healthz").body()).isEqualTo("OK");
      awaitStatus(https, "/readyz", code -> code == 200);
      assertThat(https.get("/startupz").statusCode()).isEqualTo(200);
      assertThat(https.get("/failsafe").statusCode()).isEqualTo(200);
      assertThat(https.get("/nope").statusCode()).isEqualTo(404);

      // Stopped: between the crash and the restart postgres answers nothing.
      Libc.kill(pg.postmasterPid(), Libc.SIGKILL);
      awaitStatus(https, "/startupz", code -> code == 500);
      assertThat(https.get("/healthz").statusCode()).as("pgwarden itself is fine").isEqualTo(200);
      awaitStatus(https, "/readyz", code -> code == 200);

      // Rejecting: a smart shutdown waits for this client, and refuses new connections meanwhile.
      try (Connection client = pg.connect("postgres")) {
        pg.signal(Libc.SIGTERM);
        awaitStatus(https, "/readyz", code -> code == 500);
        assertThat(https.get("/startupz").statusCode())
            .as("postgres answers, rejecting")
            .isEqualTo(200);
        assertThat(https.get("/healthz").statusCode()).isEqualTo(200);
        assertThat(client.isValid(5)).isTrue();
      }
      assertThat(pg.awaitExit(WAIT)).isZero();
    }
  }

  @Test
  void pgStatusAgreesWithPostgres() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      String before = pg.query("SELECT pg_current_wal_lsn()::text");
      HttpResponse<String> response = https(pg, null).get("/pg/status");
      String after = pg.query("SELECT pg_current_wal_lsn()::text");
      assertThat(response.statusCode()).isEqualTo(200);
      JsonNode status = JSON.readTree(response.body());
      assertThat(status.path("systemID").asText())
          .isEqualTo(pg.query("SELECT system_identifier::text FROM pg_control_system()"));
      assertThat(status.path("isPrimary").asBoolean()).isTrue();
      assertThat(status.path("timeLineID").asInt())
          .isEqualTo(Integer.parseInt(pg.query("SELECT timeline_id FROM pg_control_checkpoint()")));
      String lsn = status.path("currentLsn").asText();
      assertThat(lsn).matches("[0-9A-F]+/[0-9A-F]+");
      assertThat(
              pg.query(
                  "SELECT '"
                      + lsn
                      + "'::pg_lsn BETWEEN '"
                      + before
                      + "'::pg_lsn AND '"
                      + after
                      + "'::pg_lsn"))
          .isEqualTo("t");
      assertThat(status.path("currentWAL").asText())
          .isEqualTo(pg.query("SELECT pg_walfile_name('" + lsn + "')"));
      assertThat(status.path("loadedConfigurationHash").asText())
          .isEqualTo(pg.query("SELECT current_setting('cnpg.config_sha256')"));
      assertThat(status.path("pendingRestart").asBoolean()).isFalse();
      assertThat(status.path("pod").path("metadata").path("name").asText()).isEqualTo(Pgwarden.POD);
      assertThat(status.path("instanceArch").asText()).isIn("amd64", "arm64");
      assertThat(status.path("sessionID").asText())
          .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
      assertThat(status.path("isPodReady").asBoolean()).isFalse();

      // pgwarden status, the command line client, reads the same.
      Process cli =
          new ProcessBuilder(
                  "java",
                  "-jar",
                  System.getProperty("pgwarden.jar", "target/pgwarden.jar"),
                  "status",
                  "--host",
                  "localhost",
                  "--port",
                  Integer.toString(pg.statusPort),
                  "--cacert",
                  pg.secrets.resolve("pgwarden-ca/ca.crt").toString(),
                  "-o",
                  "json")
              .redirectErrorStream(true)
              .start();
      String out = new String(cli.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertThat(cli.waitFor()).as(out).isZero();
      assertThat(JSON.readTree(out).path("systemID").asText())
          .isEqualTo(status.path("systemID").asText());
    }
  }

  @Test
  void controlDataNeedsTheRegisteredOperatorCertificate() throws Exception {
    CertificateGenerator generator = new CertificateGenerator(Clock.systemUTC());
    Issued operatorCa = generator.generateCa("operator", Duration.ofDays(30));
    Issued operator = generator.issueClient(operatorCa, "cnpg-operator", Duration.ofDays(30));
    Issued stranger = generator.issueClient(operatorCa, "someone-else", Duration.ofDays(30));
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(spec, "spec: {}\n");
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      pg.awaitReady();
      assertThat(https(pg, null).get("/pg/controldata").statusCode()).isEqualTo(401);
      assertThat(https(pg, operator).get("/pg/controldata").statusCode())
          .as("none registered")
          .isEqualTo(503);

      Files.writeString(
          spec,
          "spec: {}\nstatus:\n  operatorCertificateFingerprint: "
              + Fingerprints.spkiSha256Hex(operator.certificate())
              + "\n");
      awaitStatus(https(pg, operator), "/pg/controldata", code -> code == 200);
      HttpResponse<String> ok = https(pg, operator).get("/pg/controldata");
      assertThat(JSON.readTree(ok.body()).path("data").asText())
          .contains("Database cluster state:");
      assertThat(https(pg, stranger).get("/pg/controldata").statusCode()).isEqualTo(503);
      assertThat(https(pg, null).get("/pg/controldata").statusCode()).isEqualTo(401);
    }
  }

  @Test
  void pgStatusAnswersWhileMaxConnectionsIsFull() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(
        spec,
        """
        spec:
          postgresql:
            parameters:
              max_connections: "8"
              superuser_reserved_connections: "3"
        """);
    List<Connection> clients = new ArrayList<>();
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      pg.awaitReady();
      String password = Files.readString(pg.secrets.resolve("pgwarden-app/password"));
      SQLException refused = null;
      while (refused == null && clients.size() < 20) {
        try {
          clients.add(app(pg, password));
        } catch (SQLException e) {
          refused = e;
        }
      }
      assertThat(refused == null ? "all " + clients.size() + " accepted" : refused.getMessage())
          .as("ordinary connections run out")
          .contains("reserved");
      HttpResponse<String> response = https(pg, null).get("/pg/status");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(response.body()).path("isPrimary").asBoolean()).isTrue();
      assertThat(https(pg, null).get("/readyz").statusCode()).isEqualTo(200);
    } finally {
      for (Connection c : clients) {
        c.close();
      }
    }
  }

  @Test
  void concurrentPollersShareOneComputation() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    // Every statement reaches the log, so postgres's own record says how often status was computed.
    Files.writeString(
        spec, "spec:\n  postgresql:\n    parameters:\n      log_min_duration_statement: \"0\"\n");
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      pg.awaitReady();
      Https https = https(pg, null);
      assertThat(https.get("/healthz").statusCode()).isEqualTo(200); // warm the client
      // Time passing is what is exercised here: any earlier computation ages out of the freshness
      // window, so the pollers below must start a computation of their own.
      Thread.sleep(1500);
      int mark = pg.mark();
      int pollers = 64;
      CountDownLatch go = new CountDownLatch(1);
      ExecutorService pool = Executors.newFixedThreadPool(32);
      List<Future<Integer>> answers = new ArrayList<>();
      for (int i = 0; i < pollers; i++) {
        answers.add(
            pool.submit(
                () -> {
                  go.await();
                  return https.get("/pg/status").statusCode();
                }));
      }
      long start = System.nanoTime();
      go.countDown();
      for (Future<Integer> answer : answers) {
        int code = answer.get();
        assertThat(code).isEqualTo(200);
      }
      long elapsedMs = (System.nanoTime() - start) / 1_000_000;
      pool.shutdown();
      pg.awaitLogsCaughtUp(); // a computation logged late would otherwise go uncounted
      List<JsonNode> all = pg.logs();
      List<String> computations =
          all.subList(mark, all.size()).stream()
              .filter(n -> "pgwarden".equals(n.path("record").path("application_name").asText()))
              // The extended protocol logs parse, bind and execute of one statement: count
              // executes.
              .filter(
                  n -> {
                    String m = n.path("record").path("message").asText();
                    return m.contains("execute") && m.contains("SET TRANSACTION READ ONLY");
                  })
              .map(
                  n ->
                      n.path("record").path("log_time").asText()
                          + " pid "
                          + n.path("record").path("process_id").asText())
              .toList();
      assertThat(computations)
          .as("%d pollers in %d ms", pollers, elapsedMs)
          .hasSizeBetween(1, 1 + (int) (elapsedMs / 1000));
    }
  }

  private static Https https(Pgwarden pg, Issued client) throws Exception {
    return new Https(pg.secrets.resolve("pgwarden-ca/ca.crt"), pg.statusPort, client);
  }

  private static void awaitStatus(Https https, String path, IntPredicate want) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    int last = -1;
    while (System.nanoTime() < deadline) {
      try {
        last = https.get(path).statusCode();
        if (want.test(last)) {
          return;
        }
      } catch (java.io.IOException e) {
        last = -1;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(path + " never reached the wanted status; last " + last);
  }

  private static int openssl(Pgwarden pg, String version) throws Exception {
    Process p =
        new ProcessBuilder(
                "openssl",
                "s_client",
                version,
                "-connect",
                "127.0.0.1:" + pg.statusPort,
                "-servername",
                "localhost")
            .redirectErrorStream(true)
            .start();
    p.getOutputStream().close();
    p.getInputStream().readAllBytes();
    return p.waitFor();
  }

  private static Connection app(Pgwarden pg, String password) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "app");
    p.setProperty("password", password);
    p.setProperty("sslmode", "verify-full");
    p.setProperty("sslrootcert", pg.secrets.resolve("pgwarden-ca/ca.crt").toString());
    p.setProperty("gssEncMode", "disable");
    return DriverManager.getConnection("jdbc:postgresql://localhost:" + pg.pgPort + "/app", p);
  }
}
