package io.pgwarden.status;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.pgwarden.core.StartupException;
import io.pgwarden.http.HttpInitializer;
import io.pgwarden.http.HttpServer;
import io.pgwarden.http.LivenessCheck;
import io.pgwarden.http.Router;
import io.pgwarden.http.StatusApi;
import io.pgwarden.http.StatusTls;
import io.pgwarden.metrics.InstanceMeters;
import io.pgwarden.settings.Settings;
import io.pgwarden.settings.StatusClientAuth;
import io.pgwarden.sql.PgPing;
import io.pgwarden.sql.Postgres;
import io.pgwarden.supervisor.Commands;
import io.pgwarden.tls.TlsMaterial;
import io.pgwarden.tls.TlsMaterialException;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port 8000: the kubelet's probes and the operator's {@code /pg/status}, over TLS 1.3 with the
 * server certificate postgres serves (swapped in memory when it rotates).
 */
public final class StatusService {
  private static final Logger log = LoggerFactory.getLogger(StatusService.class);
  private static final Duration PING_TIMEOUT = Duration.ofSeconds(2);
  private static final Duration CONTROLDATA_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(5);

  private final EventLoopGroup group;
  private final StatusTls tls;
  private final StatusProvider provider;
  private final StatusApi api;
  private final HttpServer server;

  private final AtomicReference<InstanceMeters> meters;

  private StatusService(
      AtomicReference<InstanceMeters> meters,
      EventLoopGroup group,
      StatusTls tls,
      StatusProvider provider,
      StatusApi api,
      HttpServer server) {
    this.meters = meters;
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
  public static StatusService start(
      Settings settings,
      Postgres postgres,
      Supplier<Instant> lastTick,
      Commands quiet,
      Supplier<Optional<String>> fingerprint,
      TlsMaterial material)
      throws StartupException, InterruptedException {
    AtomicReference<InstanceMeters> meters = new AtomicReference<>(InstanceMeters.NONE);
    StatusTls tls;
    try {
      tls = new StatusTls(material.server());
    } catch (TlsMaterialException e) {
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
            new LivenessCheck(lastTick, LivenessCheck.STALE_AFTER, Clock.systemUTC()),
            ping::ping,
            () -> {
              meters.get().statusRequest();
              return provider.current();
            },
            () -> quiet.run(controlData, settings.dataDir(), CONTROLDATA_TIMEOUT),
            fingerprint);
    Router router =
        settings.statusClientAuth() == StatusClientAuth.REQUIRE
            ? api.router(material.clientCa())
            : api.router();
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
    return new StatusService(meters, group, tls, provider, api, server);
  }

  /** The event loop of port 8000, which the metrics port shares. */
  public EventLoopGroup group() {
    return group;
  }

  /** The rotating TLS context of port 8000, which the metrics port uses with TLS on. */
  public SslContext sslContext() {
    return tls.current();
  }

  /** Closes the status connection so that a smart shutdown does not wait for it. */
  public void disconnect() {
    provider.disconnect();
  }

  /** Serves {@code material}'s server certificate to new connections. */
  public void serve(TlsMaterial material) {
    try {
      tls.reload(material.server());
      log.info("status API serves the rotated server certificate");
    } catch (TlsMaterialException e) {
      log.error("status API keeps its previous certificate: {}", e.getMessage());
    }
  }

  /** Counts each request of the status route with {@code counter}. */
  public void countRequestsWith(InstanceMeters counter) {
    meters.set(counter);
  }

  /** Stops listening, then the threads behind it. */
  public void stop() throws InterruptedException {
    server.stop();
    // postgres has stopped: nothing is left to answer, so no quiet period (Netty's default is 2 s).
    group.shutdownGracefully(0, SHUTDOWN_TIMEOUT.toSeconds(), TimeUnit.SECONDS).await();
    api.close();
    provider.close();
  }
}
