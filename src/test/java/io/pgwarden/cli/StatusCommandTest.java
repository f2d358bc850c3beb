package io.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.pgwarden.http.HttpInitializer;
import io.pgwarden.http.HttpServer;
import io.pgwarden.http.LivenessCheck;
import io.pgwarden.http.StatusApi;
import io.pgwarden.http.StatusTls;
import io.pgwarden.sql.PgPing;
import io.pgwarden.status.InstanceIdentity;
import io.pgwarden.status.PostgresqlStatus;
import io.pgwarden.tls.CertificateGenerator;
import io.pgwarden.tls.Issued;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class StatusCommandTest {
  static final CertificateGenerator GEN = new CertificateGenerator(Clock.systemUTC());
  static final Issued CA = GEN.generateCa("pg", Duration.ofDays(1));
  static EventLoopGroup group;
  static StatusApi api;
  static HttpServer server;

  @TempDir Path dir;
  final StringWriter out = new StringWriter();
  final StringWriter err = new StringWriter();

  @BeforeAll
  static void start() throws Exception {
    InstanceIdentity id = new InstanceIdentity("pg-1", "0.1.0", "amd64", "s");
    PostgresqlStatus status =
        new PostgresqlStatus(
            "0/15000000",
            "",
            "",
            "7312",
            true,
            false,
            true,
            false,
            false,
            false,
            false,
            false,
            PostgresqlStatus.Pod.named(id.podName()),
            "abc123",
            "",
            "",
            "",
            "",
            "000000010000000000000015",
            0,
            1,
            List.of(),
            List.of(),
            "0.1.0",
            "amd64",
            "s",
            false);
    api =
        new StatusApi(
            new LivenessCheck(Instant::now, Duration.ofSeconds(30), Clock.systemUTC()),
            () -> new PgPing.Result(PgPing.State.ACCEPTING, "ok"),
            () -> CompletableFuture.completedFuture(status),
            () -> "",
            Optional::empty);
    StatusTls tls =
        new StatusTls(
            GEN.issueServer(
                CA, "pg-rw", List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1)));
    group = HttpServer.newEventLoopGroup();
    server =
        new HttpServer(
            "status",
            group,
            new HttpInitializer(tls::current, api.router(), Duration.ofSeconds(10)));
    server.start(InetAddress.getLoopbackAddress(), 0);
  }

  @AfterAll
  static void stop() throws InterruptedException {
    server.stop();
    api.close();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  int run(String... args) {
    return new CommandLine(new StatusCommand())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .setOut(new PrintWriter(out))
        .setErr(new PrintWriter(err))
        .execute(args);
  }

  @Test
  void printsATableWithTheClusterCa() throws Exception {
    Path ca = dir.resolve("ca.crt");
    Files.write(ca, CA.certificatePem());

    int code = run("--port", Integer.toString(server.boundPort()), "--cacert", ca.toString());

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString())
        .contains("Primary:")
        .containsPattern("System ID: +7312")
        .containsPattern("Current LSN: +0/15000000")
        .containsPattern("Pending restart: +true")
        .containsPattern("Configuration hash: +abc123")
        .containsPattern("Replicas: +0")
        .containsPattern("pgwarden version: +0.1.0");
  }

  @Test
  void printsRawJsonWhenInsecure() {
    int code = run("--port", Integer.toString(server.boundPort()), "--insecure", "-o", "json");

    assertThat(code).as(err.toString()).isZero();
    assertThat(out.toString()).startsWith("{\"currentLsn\":\"0/15000000\"");
  }

  @Test
  void anUntrustedServerIsRefused() {
    int code = run("--port", Integer.toString(server.boundPort()));

    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("--cacert");
  }

  @Test
  void anUnreachableInstanceExitsOne() throws Exception {
    int free;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      free = s.getLocalPort();
    }

    int code = run("--port", Integer.toString(free), "--insecure");

    assertThat(code).isEqualTo(1);
    assertThat(err.toString()).contains("cannot read https://127.0.0.1:" + free);
  }
}
