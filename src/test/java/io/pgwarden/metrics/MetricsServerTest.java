package io.pgwarden.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.pgwarden.http.HttpServer;
import io.pgwarden.http.StatusTls;
import io.pgwarden.tls.CertificateGenerator;
import io.pgwarden.tls.Issued;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Port 9187 over real sockets, plain and TLS 1.3, as Prometheus and curl see it. */
class MetricsServerTest {
  static EventLoopGroup group;

  final PrometheusMeterRegistry registry = registry();
  final MetricsEndpoint endpoint = new MetricsEndpoint(registry);
  MetricsServer server;

  @BeforeAll
  static void group() {
    group = HttpServer.newEventLoopGroup();
  }

  @AfterAll
  static void shutdown() throws InterruptedException {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  @AfterEach
  void stop() throws InterruptedException {
    if (server != null) {
      server.stop();
    }
    endpoint.close();
  }

  /** A fake SQL collector and a Micrometer counter in one registry. */
  static PrometheusMeterRegistry registry() {
    PrometheusMeterRegistry r = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Counter.builder("pgwarden.test.events").description("Events.").register(r).increment(3);
    r.getPrometheusRegistry()
        .register(
            () ->
                MetricSnapshots.of(
                    GaugeSnapshot.builder()
                        .name("cnpg_fake_value")
                        .help("A fake query.")
                        .dataPoint(
                            GaugeSnapshot.GaugeDataPointSnapshot.builder()
                                .labels(
                                    io.prometheus.metrics.model.snapshots.Labels.of(
                                        "datname", "app"))
                                .value(42)
                                .build())
                        .build()));
    return r;
  }

  URI start(java.util.function.Supplier<io.netty.handler.ssl.SslContext> tls) throws Exception {
    server = new MetricsServer(group, tls, endpoint);
    server.start(InetAddress.getLoopbackAddress(), 0);
    return URI.create((tls == null ? "http" : "https") + "://127.0.0.1:" + server.boundPort());
  }

  static HttpClient plain() {
    return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  }

  static HttpResponse<byte[]> get(HttpClient client, URI uri, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @Test
  void prometheusTextByDefault() throws Exception {
    URI base = start(null);
    HttpResponse<byte[]> r = get(plain(), base.resolve("/metrics"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    String body = text(r);
    assertThat(body)
        .contains("# TYPE cnpg_fake_value gauge")
        .contains("cnpg_fake_value{datname=\"app\"} 42.0")
        .contains("pgwarden_test_events_total 3.0")
        .doesNotContain("# EOF");
    ExpositionCheck.wellFormed(body, false);
  }

  @Test
  void openMetricsWhenAsked() throws Exception {
    URI base = start(null);
    HttpResponse<byte[]> r =
        get(
            plain(),
            base.resolve("/metrics?format=ignored"),
            "Accept",
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                + "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type"))
        .hasValue("application/openmetrics-text; version=1.0.0; charset=utf-8");
    String body = text(r);
    assertThat(body).contains("cnpg_fake_value{datname=\"app\"} 42.0").endsWith("# EOF\n");
    ExpositionCheck.wellFormed(body, true);
  }

  @Test
  void gzipWhenAccepted() throws Exception {
    URI base = start(null);
    HttpResponse<byte[]> r = get(plain(), base.resolve("/metrics"), "Accept-Encoding", "gzip");
    assertThat(r.headers().firstValue("content-encoding")).hasValue("gzip");
    assertThat(r.headers().firstValueAsLong("content-length")).hasValue(r.body().length);
    String body;
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(r.body()))) {
      body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(body).contains("cnpg_fake_value{datname=\"app\"} 42.0");
    ExpositionCheck.wellFormed(body, false);
  }

  @Test
  void headAndNotFound() throws Exception {
    URI base = start(null);
    HttpResponse<byte[]> head =
        plain()
            .send(
                HttpRequest.newBuilder(base.resolve("/metrics"))
                    .method("HEAD", HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(head.headers().firstValue("content-type"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("text/plain; version=0.0.4"));
    assertThat(get(plain(), base.resolve("/")).statusCode()).isEqualTo(404);
    assertThat(get(plain(), base.resolve("/metrics/")).statusCode()).isEqualTo(404);
    assertThat(
            plain()
                .send(
                    HttpRequest.newBuilder(base.resolve("/metrics"))
                        .POST(HttpRequest.BodyPublishers.ofString("x"))
                        .build(),
                    HttpResponse.BodyHandlers.discarding())
                .statusCode())
        .isEqualTo(405);
  }

  @Test
  void concurrentScrapesQueue() throws Exception {
    URI base = start(null);
    HttpClient client = plain();
    List<java.util.concurrent.CompletableFuture<HttpResponse<String>>> all =
        java.util.stream.IntStream.range(0, 8)
            .mapToObj(
                i ->
                    client.sendAsync(
                        HttpRequest.newBuilder(base.resolve("/metrics")).build(),
                        HttpResponse.BodyHandlers.ofString()))
            .toList();
    for (var f : all) {
      assertThat(f.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void tls13WithTheStatusCertificate() throws Exception {
    CertificateGenerator gen = new CertificateGenerator(Clock.systemUTC());
    Issued ca = gen.generateCa("pg", Duration.ofDays(1));
    Issued leaf =
        gen.issueServer(
            ca, "pg-rw", List.of("localhost"), List.of("127.0.0.1"), Duration.ofDays(1));
    StatusTls tls = new StatusTls(leaf);
    URI base = start(tls::current);

    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    SSLParameters parameters = new SSLParameters();
    parameters.setProtocols(new String[] {"TLSv1.3"});
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(context)
            .sslParameters(parameters)
            .build();
    HttpResponse<byte[]> r = get(client, base.resolve("/metrics"));
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.sslSession())
        .hasValueSatisfying(s -> assertThat(s.getProtocol()).isEqualTo("TLSv1.3"));
    assertThat(text(r)).contains("cnpg_fake_value");

    parameters.setProtocols(new String[] {"TLSv1.2"});
    HttpClient old =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .sslContext(context)
            .sslParameters(parameters)
            .build();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> get(old, base.resolve("/metrics")))
        .isInstanceOf(IOException.class);
  }

  @Test
  void promtoolAcceptsTheTextFormat() throws Exception {
    PrometheusMeterRegistry r = registry();
    r.getPrometheusRegistry()
        .register(new BuiltinCollector(new FakeReadings(), "pg", System::nanoTime));
    new PgwardenMeters(
            r,
            new PgwardenMeters.Sources(() -> 0, () -> 0, () -> 0, () -> 0, java.util.Map::of),
            Clock.systemUTC())
        .close();
    try (MetricsEndpoint e = new MetricsEndpoint(r)) {
      String text = e.scrape(ExpositionFormat.PROMETHEUS_TEXT).body();
      String om = e.scrape(ExpositionFormat.OPENMETRICS).body();
      ExpositionCheck.wellFormed(text, false);
      ExpositionCheck.wellFormed(om, true);
      // promtool check metrics parses the text format only (OpenMetrics escapes \" in HELP,
      // which its text parser refuses): the OpenMetrics output gets the line check above.
      ExpositionCheck.promtool(text);
    }
  }
}
