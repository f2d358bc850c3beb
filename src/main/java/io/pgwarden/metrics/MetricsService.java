package io.pgwarden.metrics;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.pgwarden.core.InstanceModel;
import io.pgwarden.core.InstanceState;
import io.pgwarden.core.Phase;
import io.pgwarden.core.StartupException;
import io.pgwarden.logs.JsonLineWriter;
import io.pgwarden.metrics.queries.JdbcQueryExecutor;
import io.pgwarden.metrics.queries.QueriesException;
import io.pgwarden.metrics.queries.QueryEngine;
import io.pgwarden.metrics.queries.UserQuery;
import io.pgwarden.settings.Settings;
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.sql.Postgres;
import io.pgwarden.sql.Roles;
import io.pgwarden.tls.TlsMaterial;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Port 9187: pgwarden's own meters, CloudNativePG's built-in collectors and the queries.yaml
 * engine, all in one Prometheus registry collected at scrape time. pgwarden's reload and
 * configuration-hash counters hear the changes of the {@link InstanceModel}.
 */
public final class MetricsService {
  private static final Logger log = LoggerFactory.getLogger(MetricsService.class);
  private static final Duration IDLE_CONNECTIONS = Duration.ofMinutes(5);

  /** What the service is built from. */
  @SuppressFBWarnings(
      value = "EI_EXPOSE_REP",
      justification = "collaborators handed over to be shared: the log writer is the process's own")
  public record Needs(
      Settings settings,
      Postgres postgres,
      LongSupplier restarts,
      JsonLineWriter logs,
      Source source,
      InstanceModel model) {}

  private final PgwardenMeters meters;
  private final BuiltinCollector builtin;
  private final QueryEngine engine;
  private final JdbcQueryExecutor executor;
  private final MetricsEndpoint endpoint;
  private final MetricsServer server;
  private final Source source;
  private final AtomicReference<Map<String, Instant>> notAfter;
  private String lastQueryFiles = "";

  private MetricsService(
      PgwardenMeters meters,
      BuiltinCollector builtin,
      QueryEngine engine,
      JdbcQueryExecutor executor,
      MetricsEndpoint endpoint,
      MetricsServer server,
      Source source,
      AtomicReference<Map<String, Instant>> notAfter) {
    this.meters = meters;
    this.builtin = builtin;
    this.engine = engine;
    this.executor = executor;
    this.endpoint = endpoint;
    this.server = server;
    this.source = source;
    this.notAfter = notAfter;
  }

  /**
   * Builds the registry and its collectors, loads the queries of {@code cluster} and listens.
   *
   * @param group the event loop shared with the status server
   * @param tls the status server's rotating context, used when {@code --metrics-port-tls}
   * @param certificates the TLS material installed now, for the expiry gauges
   */
  public static MetricsService start(
      Needs needs,
      Cluster cluster,
      EventLoopGroup group,
      Supplier<SslContext> tls,
      TlsMaterial certificates)
      throws StartupException, InterruptedException {
    Settings settings = needs.settings();
    Postgres postgres = needs.postgres();
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AtomicReference<Map<String, Instant>> notAfter = new AtomicReference<>(certificates.notAfter());
    PgwardenMeters meters =
        new PgwardenMeters(
            registry,
            new PgwardenMeters.Sources(
                needs.restarts(),
                needs.logs()::recordsWritten,
                needs.logs()::bytesWritten,
                needs.logs()::recordsDropped,
                notAfter::get),
            Clock.systemUTC());
    needs.model().listen((before, after) -> count(meters, before, after));
    BuiltinCollector builtin =
        new BuiltinCollector(() -> postgres.connect("postgres", 10), cluster.name());
    JdbcQueryExecutor executor =
        new JdbcQueryExecutor(
            database -> postgres.connectAs(Roles.METRICS_ROLE, database, 30), IDLE_CONNECTIONS);
    QueryEngine engine =
        new QueryEngine(
            executor,
            () -> needs.model().state().primary(),
            "postgres",
            QueryEngine.DEFAULT_TIMEOUT);
    registry.getPrometheusRegistry().register(builtin);
    registry.getPrometheusRegistry().register(engine);
    // The queries run in their lanes while the built-in collector and the JVM meters are read.
    MetricsEndpoint endpoint = new MetricsEndpoint(registry, engine::prefetch);
    MetricsServer server = new MetricsServer(group, settings.metricsTls() ? tls : null, endpoint);
    MetricsService service =
        new MetricsService(
            meters, builtin, engine, executor, endpoint, server, needs.source(), notAfter);
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

  /** A reload requested, a new configuration hash confirmed: counted as they happen. */
  private static void count(InstanceMeters meters, InstanceState before, InstanceState after) {
    if (after.phase() == Phase.RELOADING && before.phase() != Phase.RELOADING) {
      meters.reloaded();
    }
    if (!before.configHash().isEmpty() && !before.configHash().equals(after.configHash())) {
      meters.configHashChanged();
    }
  }

  public InstanceMeters meters() {
    return meters;
  }

  /** New TLS material is installed: the expiry gauges show its certificates. */
  public void certificates(TlsMaterial material) {
    notAfter.set(material.notAfter());
  }

  /**
   * Loads the default queries (unless disabled) and every query file the spec names; when the files
   * did not change nothing happens, and when one is broken the queries in force stay.
   */
  public synchronized void reloadQueries(Cluster cluster) {
    QueryFiles files;
    try {
      files = QueryFiles.read(cluster.spec().monitoring(), source);
    } catch (IOException e) {
      log.error("refused monitoring queries: {}; the queries in force stay", e.getMessage());
      return;
    }
    String fingerprint = files.fingerprint();
    if (fingerprint.equals(lastQueryFiles)) {
      return;
    }
    lastQueryFiles = fingerprint; // a refusal is reported once, until the files change again
    List<UserQuery> queries;
    try {
      queries = files.merged();
    } catch (QueriesException e) {
      log.error("refused monitoring queries: {}; the queries in force stay", e.getMessage());
      return;
    }
    engine.reload(queries);
    log.info("monitoring queries loaded: {} from {}", queries.size(), files.origins());
  }

  /**
   * Closes the sessions the collectors keep (a smart shutdown waits for every session); a scrape
   * during the shutdown tries to reconnect and is refused.
   */
  public void disconnect() {
    builtin.close();
    executor.close();
  }

  public void stop() throws InterruptedException {
    server.stop();
    endpoint.close();
    engine.close();
    executor.close();
    builtin.close();
    meters.close();
  }
}
