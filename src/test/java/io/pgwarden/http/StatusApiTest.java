package io.pgwarden.http;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pgwarden.sql.PgPing;
import io.pgwarden.status.InstanceIdentity;
import io.pgwarden.status.PostgresqlStatus;
import io.pgwarden.tls.Fingerprints;
import io.pgwarden.tls.Issued;
import java.security.cert.X509Certificate;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Each route and status code of port 8000 through the real pipeline on an EmbeddedChannel. */
class StatusApiTest {
  static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
  static final Issued CA = Pki.ca("pg");
  static final Issued OPERATOR = Pki.client(CA, "operator");
  static final Issued OTHER = Pki.client(Pki.ca("elsewhere"), "operator");

  final AtomicReference<Instant> lastTick = new AtomicReference<>(NOW);
  final AtomicReference<PgPing.Result> ping =
      new AtomicReference<>(new PgPing.Result(PgPing.State.ACCEPTING, "ok"));
  final AtomicReference<CompletableFuture<PostgresqlStatus>> status = new AtomicReference<>();
  final AtomicReference<Optional<String>> fingerprint = new AtomicReference<>(Optional.empty());
  final AtomicReference<List<X509Certificate>> peer = new AtomicReference<>(List.of());
  StatusApi api;
  Exchange ex;

  @BeforeAll
  static void leakDetection() throws Exception {
    Leaks.install();
  }

  @AfterEach
  void close() throws InterruptedException {
    if (ex != null) {
      ex.close();
    }
    api.close();
    Leaks.assertNone();
  }

  static PostgresqlStatus sampleStatus() {
    InstanceIdentity id = new InstanceIdentity("pg-1", "0.1.0", "amd64", "s-1");
    return new PostgresqlStatus(
        "0/15000000",
        "",
        "",
        "7312",
        true,
        false,
        false,
        false,
        false,
        false,
        false,
        false,
        PostgresqlStatus.Pod.named(id.podName()),
        "abc",
        "",
        "",
        "",
        "",
        "000000010000000000000015",
        0,
        1,
        List.of(),
        List.of(),
        id.instanceManagerVersion(),
        id.instanceArch(),
        id.sessionID(),
        false);
  }

  Exchange open(boolean requireClientCa) {
    api =
        new StatusApi(
            new LivenessCheck(
                lastTick::get, Duration.ofSeconds(30), Clock.fixed(NOW, ZoneOffset.UTC)),
            ping::get,
            () -> status.get(),
            () -> "pg_control version number:            1300\n",
            fingerprint::get,
            Runnable::run); // EmbeddedChannel is single-threaded: everything on the test thread
    Router.Builder routes = api.routes().peerCertificates(ctx -> peer.get());
    if (requireClientCa) {
      routes.requireClientCertificate(CA.certificate());
    }
    ex = new Exchange(routes.build());
    return ex;
  }

  static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: pg\r\n\r\n";
  }

  @Test
  void healthzIsOkUnlessTheLoopIsWedged() throws Exception {
    open(false);
    Exchange.Reply ok = ex.exchange(get("/healthz"));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("OK");

    lastTick.set(NOW.minusSeconds(31));
    Exchange.Reply wedged = ex.exchange(get("/healthz"));
    assertThat(wedged.status()).isEqualTo(500);
    assertThat(wedged.body()).contains("supervisor loop").contains("31 s ago");
  }

  @Test
  void readyzFollowsPgIsReady() throws Exception {
    open(false);
    assertThat(ex.exchange(get("/readyz")).status()).isEqualTo(200);

    ping.set(new PgPing.Result(PgPing.State.REJECTING, "postgres answered 57P03: starting up"));
    Exchange.Reply rejecting = ex.exchange(get("/readyz"));
    assertThat(rejecting.status()).isEqualTo(500);
    assertThat(rejecting.body()).contains("57P03");

    ping.set(new PgPing.Result(PgPing.State.NO_RESPONSE, "no socket"));
    assertThat(ex.exchange(get("/readyz")).status()).isEqualTo(500);
  }

  @Test
  void startupzPassesOncePostgresAnswersAtAll() throws Exception {
    open(false);
    assertThat(ex.exchange(get("/startupz")).status()).isEqualTo(200);
    ping.set(new PgPing.Result(PgPing.State.REJECTING, "recovery"));
    assertThat(ex.exchange(get("/startupz")).status()).isEqualTo(200);
    ping.set(new PgPing.Result(PgPing.State.NO_RESPONSE, "cannot reach /run/.s.PGSQL.5432"));
    Exchange.Reply down = ex.exchange(get("/startupz"));
    assertThat(down.status()).isEqualTo(500);
    assertThat(down.body()).contains("cannot reach");
  }

  @Test
  void failsafeIsOk() throws Exception {
    open(false);
    Exchange.Reply r = ex.exchange(get("/failsafe"));
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("OK");
  }

  @Test
  void pgStatusIsJsonOrAnErrorJson() throws Exception {
    open(false);
    status.set(CompletableFuture.completedFuture(sampleStatus()));
    Exchange.Reply ok = ex.exchange(get("/pg/status"));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.header("content-type")).isEqualTo("application/json");
    JsonNode json = new ObjectMapper().readTree(ok.body());
    assertThat(json.get("currentLsn").asText()).isEqualTo("0/15000000");
    assertThat(json.at("/pod/metadata/name").asText()).isEqualTo("pg-1");

    status.set(CompletableFuture.failedFuture(new SQLException("connection refused")));
    Exchange.Reply down = ex.exchange(get("/pg/status"));
    assertThat(down.status()).isEqualTo(500);
    assertThat(new ObjectMapper().readTree(down.body()).get("error").asText())
        .contains("connection refused");
  }

  @Test
  void pgStatusAnswersWhenTheComputationCompletesLater() throws Exception {
    open(false);
    CompletableFuture<PostgresqlStatus> later = new CompletableFuture<>();
    status.set(later);
    ex.send(get("/pg/status"));
    ex.channel.runPendingTasks();
    assertThat(ex.channel.outboundMessages()).isEmpty();

    later.complete(sampleStatus());

    assertThat(ex.reply().status()).isEqualTo(200);
  }

  @Test
  void controlDataNeedsTheOperatorsCertificate() throws Exception {
    open(false);
    Exchange.Reply none = ex.exchange(get("/pg/controldata"));
    assertThat(none.status()).isEqualTo(401);

    peer.set(OPERATOR.chain());
    assertThat(ex.exchange(get("/pg/controldata")).status()).as("unregistered").isEqualTo(503);

    fingerprint.set(Optional.of(Fingerprints.spkiSha256Hex(OPERATOR.certificate())));
    peer.set(OTHER.chain());
    assertThat(ex.exchange(get("/pg/controldata")).status()).as("wrong").isEqualTo(503);

    peer.set(OPERATOR.chain());
    Exchange.Reply ok = ex.exchange(get("/pg/controldata"));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(new ObjectMapper().readTree(ok.body()).get("data").asText())
        .startsWith("pg_control version number:");

    // The fingerprint is compared as hex, whatever its case.
    fingerprint.set(
        Optional.of(
            Fingerprints.spkiSha256Hex(OPERATOR.certificate()).toUpperCase(java.util.Locale.ROOT)));
    assertThat(ex.exchange(get("/pg/controldata")).status()).isEqualTo(200);
  }

  @Test
  void aRequiredClientCaGuardsAllButTheProbes() throws Exception {
    open(true);
    status.set(CompletableFuture.completedFuture(sampleStatus()));
    for (String probe : List.of("/healthz", "/readyz", "/startupz")) {
      assertThat(ex.exchange(get(probe)).status()).as(probe).isEqualTo(200);
    }
    assertThat(ex.exchange(get("/pg/status")).status()).isEqualTo(403);
    assertThat(ex.exchange(get("/failsafe")).status()).isEqualTo(403);

    peer.set(OTHER.chain());
    assertThat(ex.exchange(get("/pg/status")).status()).isEqualTo(403);

    peer.set(OPERATOR.chain());
    assertThat(ex.exchange(get("/pg/status")).status()).isEqualTo(200);
    // The fingerprint rule still applies on top.
    assertThat(ex.exchange(get("/pg/controldata")).status()).isEqualTo(503);
  }

  @Test
  void unknownPathsAre404AndOtherMethods405WithAllow() throws Exception {
    open(false);
    assertThat(ex.exchange(get("/nope")).status()).isEqualTo(404);
    assertThat(ex.exchange(get("/healthz/")).status()).isEqualTo(404);
    Exchange.Reply post =
        ex.exchange("POST /healthz HTTP/1.1\r\nHost: pg\r\nContent-Length: 0\r\n\r\n");
    assertThat(post.status()).isEqualTo(405);
    assertThat(post.header("allow")).isEqualTo("GET, HEAD");
  }

  @Test
  void headIsAnsweredWhereGetIs() throws Exception {
    open(false);
    ex.send("HEAD /healthz HTTP/1.1\r\nHost: pg\r\n\r\n");
    Exchange.Reply head = ex.headReply();
    assertThat(head.status()).isEqualTo(200);
    assertThat(head.header("content-length")).isEqualTo("2");
    assertThat(head.body()).isEmpty();
  }

  @Test
  void keepAliveServesSuccessiveRequests() throws Exception {
    open(false);
    assertThat(ex.exchange(get("/healthz")).status()).isEqualTo(200);
    assertThat(ex.exchange(get("/nope")).status()).isEqualTo(404);
    assertThat(ex.exchange(get("/failsafe")).status()).isEqualTo(200);
    assertThat(ex.channel.isOpen()).isTrue();
  }

  @Test
  void connectionCloseAndHttp10AreHonoured() throws Exception {
    open(false);
    Exchange.Reply close =
        ex.exchange("GET /healthz HTTP/1.1\r\nHost: pg\r\nConnection: close\r\n\r\n");
    assertThat(close.status()).isEqualTo(200);
    assertThat(close.header("connection")).isEqualTo("close");
    assertThat(ex.channel.isOpen()).isFalse();
    ex.close();

    ex = new Exchange(api.router());
    Exchange.Reply http10 = ex.exchange("GET /healthz HTTP/1.0\r\n\r\n");
    assertThat(http10.status()).isEqualTo(200);
    assertThat(ex.channel.isOpen()).isFalse();
    ex.close();

    ex = new Exchange(api.router());
    ex.exchange("GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assertThat(ex.channel.isOpen()).isTrue();
  }

  @Test
  void absoluteFormTargetsAreServed() throws Exception {
    open(false);
    assertThat(ex.exchange("GET http://pg:8000/failsafe?x=1 HTTP/1.1\r\nHost: pg\r\n\r\n").status())
        .isEqualTo(200);
  }
}
