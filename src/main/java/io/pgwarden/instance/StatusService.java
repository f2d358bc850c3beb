package io.pgwarden.instance;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.pgwarden.http.HttpInitializer;
import io.pgwarden.http.HttpServer;
import io.pgwarden.http.LivenessCheck;
import io.pgwarden.http.Router;
import io.pgwarden.http.StatusApi;
import io.pgwarden.http.StatusTls;
import io.pgwarden.metrics.InstanceMeters;
import io.pgwarden.settings.Settings;
import io.pgwarden.sql.PgPing;
import io.pgwarden.sql.Postgres;
import io.pgwarden.status.InstanceIdentity;
import io.pgwarden.status.StatusProvider;
import io.pgwarden.supervisor.Commands;
import io.pgwarden.supervisor.Supervisor;
import io.pgwarden.tls.InstalledCertificates;
import io.pgwarden.tls.Issued;
import io.pgwarden.tls.Pem;
import io.pgwarden.tls.TlsMaterialException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port 8000: the kubelet's probes and the operator's {@code /pg/status}, over TLS 1.3 with the
 * server certificate postgres serves (swapped in memory when it rotates).
 */
final class StatusService {
  private static final Logger log = LoggerFactory.getLogger(StatusService.class);
  private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration CONTROLDATA_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

  private final Path certificates;
  private final EventLoopGroup group;
  private final StatusTls tls;
  private final StatusProvider provider;
  private final StatusApi api;
  private final HttpServer server;

  private StatusService(
      Path certificates,
      EventLoopGroup group,
      StatusTls tls,
      StatusProvider provider,
      StatusApi api,
      HttpServer server) {
    this.certificates = certificates;
    this.group = group;
    this.tls = tls;
    this.provider = provider;
    this.api = api;
    this.server = server;
  }

  /**
   * Builds and binds the status server.
   *
   * @param fingerprint the operator's registered certificate fingerprint, read per request
   * @param quiet runs pg_controldata without logging its output (the operator polls it)
   */
  static StatusService start(
      Settings settings,
      Postgres postgres,
      Supervisor supervisor,
      Commands quiet,
      Supplier<Optional<String>> fingerprint,
      Supplier<InstanceMeters> meters)
      throws StartupException, InterruptedException {
    Path certs = settings.controller().certificates();
    StatusTls tls;
    try {
      tls = new StatusTls(serverMaterial(certs));
    } catch (TlsMaterialException | IOException e) {
      throw new StartupException("the status server's certificate: " + e.getMessage(), e);
    }
    StatusProvider provider =
        new StatusProvider(
            () -> postgres.connect("postgres", 10), InstanceIdentity.of(settings.podName()));
    PgPing ping = new PgPing(settings.controller().socket(settings.pgPort()), PING_TIMEOUT);
    List<String> controlData =
        List.of(
            settings.pgBin().resolve("pg_controldata").toString(),
            "-D",
            settings.dataDir().toString());
    StatusApi api =
        new StatusApi(
            new LivenessCheck(supervisor::lastTick, LivenessCheck.STALE_AFTER, Clock.systemUTC()),
            ping::ping,
            () -> {
              meters.get().statusRequest();
              return provider.current();
            },
            () -> quiet.run(controlData, settings.dataDir(), CONTROLDATA_TIMEOUT),
            fingerprint);
    Router router;
    try {
      router =
          settings.statusClientAuth() == io.pgwarden.settings.StatusClientAuth.REQUIRE
              ? api.router(
                  Pem.certificates(
                          Files.readAllBytes(certs.resolve(InstalledCertificates.CLIENT_CA)),
                          "client CA")
                      .get(0))
              : api.router();
    } catch (TlsMaterialException | IOException e) {
      throw new StartupException(
          "--status-client-auth=require: no usable client CA: " + e.getMessage(), e);
    }
    EventLoopGroup group = HttpServer.newEventLoopGroup();
    HttpServer server =
        new HttpServer(
            "status",
            group,
            new HttpInitializer(tls::current, router, HttpInitializer.READ_TIMEOUT));
    try {
      server.start(settings.statusPort());
    } catch (IOException e) {
      group.shutdownGracefully().awaitUninterruptibly();
      throw new StartupException(
          "--status-port: cannot listen on port "
              + settings.statusPort()
              + " ("
              + e.getMessage()
              + "); stop what listens there or choose another port",
          e);
    }
    log.info("status API listening on port {} (TLS 1.3)", server.boundPort());
    return new StatusService(certs, group, tls, provider, api, server);
  }

  /** The event loop of port 8000, which the metrics port shares. */
  EventLoopGroup group() {
    return group;
  }

  /** The rotating TLS context of port 8000, which the metrics port uses with TLS on. */
  SslContext sslContext() {
    return tls.current();
  }

  /** Closes the status connection so that a smart shutdown does not wait for it. */
  void disconnect() {
    provider.disconnect();
  }

  /** Serves the server certificate now installed to new connections. */
  void reloadCertificate() {
    try {
      tls.reload(serverMaterial(certificates));
      log.info("status API serves the rotated server certificate");
    } catch (TlsMaterialException | IOException e) {
      log.error("status API keeps its previous certificate: {}", e.getMessage());
    }
  }

  private static Issued serverMaterial(Path certs) throws IOException, TlsMaterialException {
    List<X509Certificate> chain =
        Pem.certificates(
            Files.readAllBytes(certs.resolve(InstalledCertificates.SERVER_CRT)), "server.crt");
    return new Issued(
        chain,
        Pem.privateKey(
            Files.readAllBytes(certs.resolve(InstalledCertificates.SERVER_KEY)), "server.key"));
  }

  /** Stops listening, then the threads behind it. */
  void stop() throws InterruptedException {
    server.stop();
    // postgres has stopped: nothing is left to answer, so no quiet period (Netty's default is 2 s).
    group.shutdownGracefully(0, SHUTDOWN_TIMEOUT.toSeconds(), TimeUnit.SECONDS).await();
    api.close();
    provider.close();
  }
}
