package io.pgwarden.kube;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.pgwarden.core.Mode;
import io.pgwarden.core.Reporter;
import io.pgwarden.core.StartupException;
import io.pgwarden.source.InputRefusedException;
import io.pgwarden.source.Source;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
import io.pgwarden.spec.SecretNames;
import io.pgwarden.supervisor.RestartPolicy;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Kubernetes mode ({@code pgwarden instance run|init}): the Cluster, Secrets and ConfigMaps through
 * the API with the pod's ServiceAccount (outside a pod: {@code KUBECONFIG}), the operator's Secrets
 * (nothing generated), exit after a postgres crash, Events and the Cluster's status.
 */
public final class KubernetesMode implements Mode, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(KubernetesMode.class);

  /** Change notifications arriving within this window are one reconcile. */
  private static final Duration SETTLE = Duration.ofMillis(50);

  /** A reconcile this often anyway, in case a watch stalled without an error. */
  private static final Duration RESYNC = Duration.ofSeconds(30);

  private final KubeTarget target;
  private final Duration startWait;
  private final KubernetesClient client;
  private final ScheduledExecutorService thread;
  private final KubeSource source;
  private final KubeReporter reporter;

  private KubernetesMode(KubeTarget target, Duration startWait, KubernetesClient client) {
    this.target = target;
    this.startWait = startWait;
    this.client = client;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "pgwarden-kube");
              t.setDaemon(true);
              return t;
            });
    this.source = new KubeSource(client, target, RESYNC);
    Clock clock = Clock.systemUTC();
    this.reporter =
        new KubeReporter(
            new EventRecorder(client, target, thread, clock, source::clusterObject),
            new StatusPatcher(client, target, thread, clock));
    source.onProblem(reporter::unreadable);
  }

  /**
   * A client configured the standard way (in a pod: the ServiceAccount's token, re-read by fabric8
   * as it rotates; outside: {@code KUBECONFIG}), bound to the target's namespace, with timeouts
   * short enough that an unreachable API server is noticed and retried rather than waited on.
   *
   * @param startWait how long a start waits for the Cluster and its Secrets to exist
   */
  public static KubernetesMode connect(KubeTarget target, Duration startWait) {
    // new ConfigBuilder() configures itself (ServiceAccount or KUBECONFIG) and keeps
    // autoConfigure on, so fabric8 re-reads a rotated token file (each minute and on a 401).
    // No retry inside a request: pgwarden's own loops retry with their backoff, and a read that
    // fails fast leaves the cache in force instead of stalling a reconcile for 19 s.
    Config config =
        new ConfigBuilder()
            .withNamespace(target.namespace())
            .withConnectionTimeout(5_000)
            .withRequestTimeout(10_000)
            .withWatchReconnectInterval(500)
            .withWatchReconnectLimit(-1)
            .withRequestRetryBackoffLimit(0)
            .build();
    return new KubernetesMode(
        target, startWait, new KubernetesClientBuilder().withConfig(config).build());
  }

  @Override
  public String describe() {
    return "cluster="
        + target.namespace()
        + "/"
        + target.clusterName()
        + " pod="
        + target.podName()
        + " api="
        + client.getConfiguration().getMasterUrl();
  }

  @Override
  public Source source() {
    return source;
  }

  /** Waits (bounded) for the own Cluster; an invalid one is refused at once. */
  @Override
  public Cluster initialCluster() throws StartupException, InterruptedException {
    source.watchCluster();
    Instant deadline = Instant.now().plus(startWait);
    Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5));
    while (true) {
      try {
        return source.cluster();
      } catch (InvalidSpecException e) {
        throw new StartupException("invalid Cluster: " + e.getMessage(), e);
      } catch (IOException e) {
        awaitOrFail(
            deadline,
            backoff,
            "CLUSTER_NAME: "
                + e.getMessage()
                + " after "
                + startWait.toSeconds()
                + " s; check that the Cluster exists in namespace "
                + target.namespace()
                + " and that the Role lets the ServiceAccount get/list/watch it");
      }
    }
  }

  /** The operator creates the TLS Secrets: waits (bounded) until every key is there. */
  @Override
  public void prepareTls(Cluster cluster) throws StartupException {
    SecretNames names = SecretNames.of(cluster);
    Instant deadline = Instant.now().plus(startWait);
    Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(5));
    try {
      while (true) {
        List<String> missing = new ArrayList<>();
        for (String[] k :
            new String[][] {
              {names.server(), "tls.crt"},
              {names.server(), "tls.key"},
              {names.serverCa(), "ca.crt"},
              {names.clientCa(), "ca.crt"},
              {names.replication(), "tls.crt"},
              {names.replication(), "tls.key"}
            }) {
          if (source.secret(k[0], k[1]).isEmpty()) {
            missing.add(source.describeSecret(k[0], k[1]));
          }
        }
        if (missing.isEmpty()) {
          return;
        }
        awaitOrFail(
            deadline,
            backoff,
            "TLS Secrets: still missing after "
                + startWait.toSeconds()
                + " s: "
                + missing
                + " (the operator creates them; a 403 above names a missing permission)");
      }
    } catch (InputRefusedException e) {
      throw new StartupException("TLS Secrets refused: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StartupException("interrupted while waiting for the TLS Secrets", e);
    }
  }

  private static void awaitOrFail(Instant deadline, Backoff backoff, String failure)
      throws StartupException, InterruptedException {
    if (Instant.now().isAfter(deadline)) {
      throw new StartupException(failure);
    }
    Thread.sleep(backoff.next().toMillis());
  }

  @Override
  public boolean bootstrapsEmptyDataDirectory() {
    return false;
  }

  @Override
  public RestartPolicy restartPolicy() {
    return RestartPolicy.exitOnCrash();
  }

  /**
   * Every change of a watched object (the Cluster, each Secret and ConfigMap read so far) calls
   * {@code onChange} once the burst settled; a periodic call covers a watch that stalled silently.
   */
  @Override
  public AutoCloseable watch(Runnable onChange) {
    AtomicBoolean pending = new AtomicBoolean();
    Runnable coalesced =
        () -> {
          if (pending.compareAndSet(false, true)) {
            ScheduledFuture<?> unused =
                thread.schedule(
                    () -> {
                      pending.set(false);
                      onChange.run();
                    },
                    SETTLE.toMillis(),
                    TimeUnit.MILLISECONDS);
          }
        };
    source.onChange(coalesced);
    coalesced.run(); // what changed between the first read and now
    ScheduledFuture<?> resync =
        thread.scheduleWithFixedDelay(
            () -> {
              source.forgetUnused(RESYNC.multipliedBy(4));
              onChange.run();
            },
            RESYNC.toMillis(),
            RESYNC.toMillis(),
            TimeUnit.MILLISECONDS);
    return () -> resync.cancel(false);
  }

  @Override
  public Reporter reporter() {
    return reporter;
  }

  @Override
  public void close() {
    source.close();
    thread.shutdownNow();
    client.close();
    log.debug("Kubernetes client closed");
  }
}
