package io.pgwarden.instance;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.pgwarden.logs.JsonLineWriter;
import io.pgwarden.metrics.BuiltinCollector;
import io.pgwarden.metrics.InstanceMeters;
import io.pgwarden.metrics.MetricsEndpoint;
import io.pgwarden.metrics.MetricsServer;
import io.pgwarden.metrics.PgwardenMeters;
import io.pgwarden.metrics.queries.DefaultQueries;
import io.pgwarden.metrics.queries.JdbcQueryExecutor;
import io.pgwarden.metrics.queries.QueriesException;
import io.pgwarden.metrics.queries.QueriesParser;
import io.pgwarden.metrics.queries.QueryEngine;
import io.pgwarden.metrics.queries.UserQuery;
import io.pgwarden.settings.Settings;
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.MonitoringSpec;
import io.pgwarden.sql.Postgres;
import io.pgwarden.sql.Roles;
import io.pgwarden.supervisor.Supervisor;
import io.pgwarden.tls.InstalledCertificates;
import io.pgwarden.tls.Pem;
import io.pgwarden.tls.TlsMaterialException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port 9187: pgwarden's own meters, CloudNativePG's built-in collectors and the queries.yaml
 * engine, all in one Prometheus registry collected at scrape time.
 */
final class MetricsService {
  private static final Logger log = LoggerFactory.getLogger(MetricsService.class);
  private static final Duration IDLE_CONNECTIONS = Duration.ofMinutes(5);
  private static final Map<String, String> CERTIFICATES =
      Map.of(
          "server", InstalledCertificates.SERVER_CRT,
          "server_ca", InstalledCertificates.SERVER_CA,
          "client_ca", InstalledCertificates.CLIENT_CA,
          "replication", InstalledCertificates.REPLICATION_CRT);

  private final PgwardenMeters meters;
  private final BuiltinCollector builtin;
  private final QueryEngine engine;
  private final JdbcQueryExecutor executor;
  private final MetricsEndpoint endpoint;
  private final MetricsServer server;
  private final Source source;
  private String lastQueryFiles = "";

  private MetricsService(
      PgwardenMeters meters,
      BuiltinCollector builtin,
      QueryEngine engine,
      JdbcQueryExecutor executor,
      MetricsEndpoint endpoint,
      MetricsServer server,
      Source source) {
    this.meters = meters;
    this.builtin = builtin;
    this.engine = engine;
    this.executor = executor;
    this.endpoint = endpoint;
    this.server = server;
    this.source = source;
  }

  /**
   * Builds the registry and its collectors, loads the queries of {@code cluster} and listens.
   *
   * @param group the event loop shared with the status server
   * @param tls the status server's rotating context, used when {@code --metrics-port-tls}
   */
  static MetricsService start(
      Settings settings,
      Postgres postgres,
      Supervisor supervisor,
      JsonLineWriter logs,
      Source source,
      Cluster cluster,
      EventLoopGroup group,
      Supplier<SslContext> tls)
      throws StartupException, InterruptedException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Path certificates = settings.controller().certificates();
    PgwardenMeters meters =
        new PgwardenMeters(
            registry,
            new PgwardenMeters.Sources(
                supervisor::restarts,
                logs::recordsWritten,
                logs::bytesWritten,
                logs::recordsDropped,
                new CertificateExpiry(certificates)),
            Clock.systemUTC());
    BuiltinCollector builtin =
        new BuiltinCollector(() -> postgres.connect("postgres", 10), cluster.name());
    JdbcQueryExecutor executor =
        new JdbcQueryExecutor(
            database -> postgres.connectAs(Roles.METRICS_ROLE, database, 30), IDLE_CONNECTIONS);
    QueryEngine engine =
        new QueryEngine(
            executor,
            () -> true, // standalone is always the primary
            "postgres",
            QueryEngine.DEFAULT_TIMEOUT);
    registry.getPrometheusRegistry().register(builtin);
    registry.getPrometheusRegistry().register(engine);
    // The queries run in their lanes while the built-in collector and the JVM meters are read.
    MetricsEndpoint endpoint = new MetricsEndpoint(registry, engine::prefetch);
    MetricsServer server = new MetricsServer(group, settings.metricsTls() ? tls : null, endpoint);
    MetricsService service =
        new MetricsService(meters, builtin, engine, executor, endpoint, server, source);
    service.reloadQueries(cluster);
    try {
      server.start(settings.metricsPort());
    } catch (IOException e) {
      throw new StartupException(
          "--metrics-port: cannot listen on port "
              + settings.metricsPort()
              + " ("
              + e.getMessage()
              + "); stop what listens there or choose another port",
          e);
    }
    log.info(
        "metrics listening on port {} ({})",
        server.boundPort(),
        settings.metricsTls() ? "TLS 1.3" : "plain HTTP");
    return service;
  }

  InstanceMeters meters() {
    return meters;
  }

  /**
   * Loads the default queries (unless disabled) and every query file the spec names; when the files
   * did not change nothing happens, and when one is broken the queries in force stay.
   */
  synchronized void reloadQueries(Cluster cluster) {
    MonitoringSpec monitoring = cluster.spec().monitoring();
    Map<String, String> files = new LinkedHashMap<>();
    files.put("defaults", monitoring.disableDefaultQueries() ? "off" : "on");
    try {
      for (MonitoringSpec.KeyRef ref : monitoring.customQueriesConfigMap()) {
        files.put(
            "ConfigMap " + ref.name() + "/" + ref.key(),
            text(source.configMap(ref.name(), ref.key()), "ConfigMap", ref));
      }
      for (MonitoringSpec.KeyRef ref : monitoring.customQueriesSecret()) {
        files.put(
            "Secret " + ref.name() + "/" + ref.key(),
            text(source.secret(ref.name(), ref.key()), "Secret", ref));
      }
    } catch (IOException e) {
      log.error("refused monitoring queries: {}; the queries in force stay", e.getMessage());
      return;
    }
    String fingerprint = files.toString();
    if (fingerprint.equals(lastQueryFiles)) {
      return;
    }
    // Later files override earlier ones query by query, as CloudNativePG merges them.
    Map<String, UserQuery> merged = new LinkedHashMap<>();
    if (!monitoring.disableDefaultQueries()) {
      for (UserQuery q : DefaultQueries.load()) {
        merged.put(q.name(), q);
      }
    }
    for (Map.Entry<String, String> file : files.entrySet()) {
      if (file.getKey().equals("defaults")) {
        continue;
      }
      try {
        for (UserQuery q : QueriesParser.parse(file.getKey(), file.getValue())) {
          merged.put(q.name(), q);
        }
      } catch (QueriesException e) {
        log.error("refused monitoring queries: {}; the queries in force stay", e.getMessage());
        lastQueryFiles = fingerprint; // reported once, until the files change again
        return;
      }
    }
    engine.reload(new ArrayList<>(merged.values()));
    lastQueryFiles = fingerprint;
    log.info("monitoring queries loaded: {} from {}", merged.size(), files.keySet());
  }

  private static String text(Optional<byte[]> value, String kind, MonitoringSpec.KeyRef ref)
      throws IOException {
    return new String(
        value.orElseThrow(
            () -> new IOException(kind + " " + ref.name() + " has no key " + ref.key())),
        StandardCharsets.UTF_8);
  }

  /**
   * The notAfter of each installed certificate, for the expiry gauges (each gauge asks at every
   * scrape). A file is read and parsed again only when its size, modification time or identity
   * changed (a rotation replaces it); one that is missing or unreadable gives no series.
   */
  private static final class CertificateExpiry implements Supplier<Map<String, Instant>> {
    private final Path certificates;
    private final Map<String, Seen> seen = new HashMap<>();

    /** A file as last read: its attributes and the notAfter found, null when unreadable. */
    private record Seen(FileTime modified, long size, Object fileKey, Instant notAfter) {}

    CertificateExpiry(Path certificates) {
      this.certificates = certificates;
    }

    @Override
    public synchronized Map<String, Instant> get() {
      Map<String, Instant> notAfter = new LinkedHashMap<>();
      for (Map.Entry<String, String> e : CERTIFICATES.entrySet()) {
        Path file = certificates.resolve(e.getValue());
        BasicFileAttributes attributes;
        try {
          attributes = Files.readAttributes(file, BasicFileAttributes.class);
        } catch (IOException ex) {
          seen.remove(e.getKey()); // not installed (yet): no series for it
          continue;
        }
        Seen last = seen.get(e.getKey());
        if (last == null
            || !last.modified().equals(attributes.lastModifiedTime())
            || last.size() != attributes.size()
            || !Objects.equals(last.fileKey(), attributes.fileKey())) {
          last =
              new Seen(
                  attributes.lastModifiedTime(),
                  attributes.size(),
                  attributes.fileKey(),
                  read(file, e.getValue()));
          seen.put(e.getKey(), last);
        }
        if (last.notAfter() != null) {
          notAfter.put(e.getKey(), last.notAfter());
        }
      }
      return notAfter;
    }

    private static Instant read(Path file, String name) {
      try {
        return Pem.certificates(Files.readAllBytes(file), name).get(0).getNotAfter().toInstant();
      } catch (IOException | TlsMaterialException | IndexOutOfBoundsException ex) {
        return null; // unreadable or no certificate in it: no series
      }
    }
  }

  /**
   * Closes the sessions the collectors keep (a smart shutdown waits for every session); a scrape
   * during the shutdown tries to reconnect and is refused.
   */
  void disconnect() {
    builtin.close();
    executor.close();
  }

  void stop() throws InterruptedException {
    server.stop();
    endpoint.close();
    engine.close();
    executor.close();
    builtin.close();
    meters.close();
  }
}
