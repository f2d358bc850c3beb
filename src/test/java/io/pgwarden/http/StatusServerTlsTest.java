package io.pgwarden.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.EventLoopGroup;
import io.pgwarden.sql.PgPing;
import io.pgwarden.tls.Fingerprints;
import io.pgwarden.tls.Issued;
import io.pgwarden.tls.TlsMaterialException;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Port 8000 over real sockets and TLS 1.3, as the kubelet, the operator and openssl see it. */
class StatusServerTlsTest {
  static final Issued CA = Pki.ca("pg");
  static final Issued OPERATOR = Pki.client(Pki.ca("operator-ca"), "operator");
  static final Issued INTRUDER = Pki.client(Pki.ca("intruder-ca"), "operator");
  static EventLoopGroup group;

  final AtomicReference<Optional<String>> fingerprint = new AtomicReference<>(Optional.empty());
  StatusTls tls;
  StatusApi api;
  HttpServer server;

  @BeforeAll
  static void group() throws Exception {
    Leaks.install();
    group = HttpServer.newEventLoopGroup();
  }

  @AfterAll
  static void shutdown() throws InterruptedException {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  @BeforeEach
  void start() throws Exception {
    tls = new StatusTls(Pki.server(CA));
    api =
        new StatusApi(
            new LivenessCheck(Instant::now, Duration.ofSeconds(30), Clock.systemUTC()),
            () -> new PgPing.Result(PgPing.State.ACCEPTING, "ok"),
            () -> CompletableFuture.completedFuture(StatusApiTest.sampleStatus()),
            () -> "pg_control version number: 1300",
            fingerprint::get);
    server = start(Duration.ofSeconds(10));
  }

  HttpServer start(Duration readTimeout) throws Exception {
    HttpServer s =
        new HttpServer(
            "status", group, new HttpInitializer(tls::current, api.router(), readTimeout));
    s.start(InetAddress.getLoopbackAddress(), 0);
    return s;
  }

  @AfterEach
  void stop() throws InterruptedException {
    server.stop();
    api.close();
    Leaks.assertNone();
  }

  SSLSocket connect(HttpServer s, Issued clientCertificate, String... protocols) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", CA.certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    if (clientCertificate != null) {
      keys.setKeyEntry(
          "client",
          clientCertificate.privateKey(),
          new char[0],
          clientCertificate.chain().toArray(new X509Certificate[0]));
    }
    kmf.init(keys, new char[0]);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    SSLSocket socket =
        (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", s.boundPort());
    socket.setSoTimeout(5_000);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS");
    parameters.setProtocols(
        protocols.length == 0 ? new String[] {"TLSv1.3", "TLSv1.2"} : protocols);
    socket.setSSLParameters(parameters);
    return socket;
  }

  /** Sends a GET and reads one response: {@code "<status> <body>"}. */
  static String get(SSLSocket socket, String path) throws IOException {
    OutputStream out = socket.getOutputStream();
    out.write(
        ("GET " + path + " HTTP/1.1\r\nHost: localhost\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed before a response: " + head);
      }
      head.write(b);
    }
    String headers = head.toString(StandardCharsets.ISO_8859_1);
    int length = 0;
    for (String line : headers.lines().toList()) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(length);
    return headers.substring(9, 12) + " " + new String(body, StandardCharsets.UTF_8);
  }

  String getOnce(Issued clientCertificate, String path) throws Exception {
    try (SSLSocket socket = connect(server, clientCertificate)) {
      return get(socket, path);
    }
  }

  @Test
  void aTls13ClientIsServed() throws Exception {
    try (SSLSocket socket = connect(server, null)) {
      assertThat(get(socket, "/healthz")).isEqualTo("200 OK");
      assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
    }
  }

  @Test
  void aTls12OnlyClientIsRefused() throws Exception {
    try (SSLSocket socket = connect(server, null, "TLSv1.2")) {
      assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLException.class);
    }
  }

  @Test
  void opensslAgrees() throws Exception {
    assertThat(openssl("-tls1_3")).as("s_client -tls1_3").isZero();
    assertThat(openssl("-tls1_2")).as("s_client -tls1_2").isNotZero();
  }

  private int openssl(String version) throws Exception {
    Process p =
        new ProcessBuilder(
                "openssl", "s_client", version, "-connect", "127.0.0.1:" + server.boundPort())
            .redirectInput(new File("/dev/null"))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return p.exitValue();
  }

  @Test
  void theOperatorIsKnownByItsFingerprint() throws Exception {
    assertThat(getOnce(null, "/pg/controldata")).startsWith("401");
    assertThat(getOnce(OPERATOR, "/pg/controldata")).as("unregistered").startsWith("503");

    fingerprint.set(Optional.of(Fingerprints.spkiSha256Hex(OPERATOR.certificate())));
    assertThat(getOnce(INTRUDER, "/pg/controldata")).as("wrong").startsWith("503");
    assertThat(getOnce(OPERATOR, "/pg/controldata"))
        .isEqualTo("200 {\"data\":\"pg_control version number: 1300\"}");
    // A client certificate never stops the open routes.
    assertThat(getOnce(INTRUDER, "/pg/status")).startsWith("200 {");
  }

  @Test
  void aRotatedCertificateServesNewConnections() throws Exception {
    BigInteger before = serial();
    Issued next = Pki.server(CA);

    tls.reload(next);

    assertThat(serial()).isEqualTo(next.certificate().getSerialNumber()).isNotEqualTo(before);
  }

  @Test
  void aFailedReloadKeepsTheCurrentCertificate() throws Exception {
    BigInteger before = serial();
    Issued other = Pki.server(CA);
    Issued mismatched = new Issued(other.chain(), Pki.server(CA).privateKey());

    assertThatThrownBy(() -> tls.reload(mismatched))
        .isInstanceOf(TlsMaterialException.class)
        .hasMessageContaining("private key does not belong");

    assertThat(serial()).isEqualTo(before);
  }

  private BigInteger serial() throws Exception {
    try (SSLSocket socket = connect(server, null)) {
      assertThat(get(socket, "/healthz")).isEqualTo("200 OK");
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  @Test
  void keepAliveServesTwoRequestsOnOneConnection() throws Exception {
    try (SSLSocket socket = connect(server, null)) {
      assertThat(get(socket, "/healthz")).isEqualTo("200 OK");
      assertThat(get(socket, "/pg/status")).startsWith("200 {");
    }
  }

  @Test
  void aSlowClientIsCutAfterTheReadTimeout() throws Exception {
    HttpServer impatient = start(Duration.ofMillis(300));
    try (SSLSocket socket = connect(impatient, null)) {
      socket.startHandshake();
      OutputStream out = socket.getOutputStream();
      out.write("GET /healthz HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long start = System.nanoTime();

      int read;
      try {
        read = socket.getInputStream().read();
      } catch (IOException e) {
        read = -1; // a reset is a cut too
      }

      assertThat(read).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
    } finally {
      impatient.stop();
    }
  }
}
