package io.pgwarden.instance;

import io.pgwarden.core.InstanceModel;
import io.pgwarden.core.StartupException;
import io.pgwarden.logs.JsonLineWriter;
import io.pgwarden.metrics.MetricsService;
import io.pgwarden.settings.Settings;
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.sql.Postgres;
import io.pgwarden.status.StatusService;
import io.pgwarden.supervisor.Children;
import io.pgwarden.supervisor.Commands;
import io.pgwarden.supervisor.Supervisor;
import io.pgwarden.tls.TlsMaterial;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two HTTP servers, status (8000) then metrics (9187) on the same event loop, as one unit the
 * wiring starts beside postgres and stops after it. {@link #NONE} stands for servers that never
 * started.
 */
class Servers {
  private static final Logger log = LoggerFactory.getLogger(Servers.class);

  /** Servers that did not start: every call does nothing. */
  static final Servers NONE = new Servers();

  /** What both servers are built from. */
  record Needs(
      Settings settings,
      Children children,
      Postgres postgres,
      Supervisor supervisor,
      JsonLineWriter writer,
      Source source,
      InstanceModel model) {}

  private final Optional<StatusService> status;
  private final Optional<MetricsService> metrics;

  private Servers() {
    this.status = Optional.empty();
    this.metrics = Optional.empty();
  }

  private Servers(StatusService status, MetricsService metrics) {
    this.status = Optional.of(status);
    this.metrics = Optional.of(metrics);
  }

  /**
   * Starts port 8000, then port 9187 on the same event loop; if either cannot start, the caller
   * stops pgwarden: the kubelet could never see it ready, or Prometheus never scrape it.
   *
   * @param cluster the Cluster in force, read per request (the operator's certificate) and for the
   *     first query files
   */
  static Servers start(Needs needs, Supplier<Cluster> cluster, TlsMaterial tls)
      throws StartupException, InterruptedException {
    StatusService status =
        StatusService.start(
            needs.settings(),
            needs.postgres(),
            needs.supervisor()::lastTick,
            // pg_controldata's output is not logged: the operator polls it.
            new Commands(needs.children(), (command, line, stderr) -> {}),
            () -> Optional.ofNullable(cluster.get().status().operatorCertificateFingerprint()),
            tls);
    MetricsService metrics;
    try {
      metrics =
          MetricsService.start(
              new MetricsService.Needs(
                  needs.settings(),
                  needs.postgres(),
                  needs.supervisor()::restarts,
                  needs.writer(),
                  needs.source(),
                  needs.model()),
              cluster.get(),
              status.group(),
              status::sslContext,
              tls);
    } catch (StartupException e) {
      status.stop();
      throw e;
    }
    status.countRequestsWith(metrics.meters());
    return new Servers(status, metrics);
  }

  /** New TLS material: port 8000 serves it to new connections, the gauges show its expiry. */
  void serve(TlsMaterial material) {
    status.ifPresent(s -> s.serve(material));
    metrics.ifPresent(m -> m.certificates(material));
  }

  /** The Cluster in force changed: the query files it names are loaded. */
  void clusterApplied(Cluster cluster) {
    metrics.ifPresent(m -> m.reloadQueries(cluster));
  }

  /** Closes the sessions the servers keep, so that a smart shutdown does not wait for them. */
  void disconnect() {
    status.ifPresent(StatusService::disconnect);
    metrics.ifPresent(MetricsService::disconnect);
  }

  /** Stops the metrics server, then the status server and their event loop. */
  void stop() {
    try {
      if (metrics.isPresent()) {
        metrics.get().stop();
      }
      if (status.isPresent()) {
        status.get().stop();
      }
    } catch (InterruptedException e) {
      log.warn("interrupted while stopping the HTTP servers");
      Thread.currentThread().interrupt();
    }
  }
}
