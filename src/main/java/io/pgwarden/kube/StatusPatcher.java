package io.pgwarden.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the Cluster's status in line with {@link InstanceState}: each change of the state schedules
 * a flush on the Kubernetes thread, which reads the Cluster, computes the merge patch ({@link
 * ClusterStatus}) and sends it to {@code clusters/status} guarded by the {@code resourceVersion}
 * read; a 409 reads again and retries at once (a few times), any other failure retries with a
 * backoff until the API answers. Only the newest state is ever sent.
 */
final class StatusPatcher {
  private static final Logger log = LoggerFactory.getLogger(StatusPatcher.class);
  private static final int CONFLICT_RETRIES = 5;

  private final KubernetesClient client;
  private final KubeTarget target;
  private final ScheduledExecutorService thread;
  private final Clock clock;
  private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(15));
  private final Object lock = new Object();
  private InstanceState state = InstanceState.STARTING;
  private long wanted;
  private long sent;
  private ScheduledFuture<?> retry;
  private String lastProblem;

  StatusPatcher(
      KubernetesClient client, KubeTarget target, ScheduledExecutorService thread, Clock clock) {
    this.client = client;
    this.target = target;
    this.thread = thread;
    this.clock = clock;
  }

  /** Changes the state to report and schedules sending it. */
  void update(UnaryOperator<InstanceState> change) {
    synchronized (lock) {
      InstanceState next = change.apply(state);
      if (next.equals(state)) {
        return;
      }
      state = next;
      wanted++;
    }
    thread.execute(this::flush);
  }

  InstanceState state() {
    synchronized (lock) {
      return state;
    }
  }

  /** True when the newest state was sent (or needed no patch). */
  boolean upToDate() {
    synchronized (lock) {
      return sent == wanted;
    }
  }

  /** Runs on the Kubernetes thread. */
  void flush() {
    InstanceState s;
    long version;
    synchronized (lock) {
      if (sent == wanted) {
        return;
      }
      s = state;
      version = wanted;
      if (retry != null) {
        retry.cancel(false);
        retry = null;
      }
    }
    RuntimeException failure = null;
    for (int attempt = 0; attempt <= CONFLICT_RETRIES; attempt++) {
      try {
        send(s);
        failure = null;
        break;
      } catch (RuntimeException e) {
        failure = e;
        if (ApiProblems.status(e).filter(c -> c == ApiProblems.CONFLICT).isEmpty()) {
          break;
        }
        log.debug("status patch conflicted (409); reading the Cluster again");
      }
    }
    if (failure == null) {
      synchronized (lock) {
        sent = Math.max(sent, version);
      }
      backoff.reset();
      if (lastProblem != null) {
        log.info("the Cluster's status is reported again");
        lastProblem = null;
      }
      return;
    }
    String problem =
        ApiProblems.describe(failure, "get/patch", "clusters/status", target.clusterName());
    if (!problem.equals(lastProblem)) {
      log.error("cannot update the Cluster's status: {}", problem);
      lastProblem = problem;
    }
    Duration delay = backoff.next();
    synchronized (lock) {
      retry = thread.schedule(this::flush, delay.toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void send(InstanceState s) {
    GenericKubernetesResource cluster = ClusterResource.resource(client, target).get();
    if (cluster == null) {
      throw new KubernetesClientException(
          "Cluster " + target.namespace() + "/" + target.clusterName() + " does not exist",
          ApiProblems.NOT_FOUND,
          null);
    }
    Map<String, Object> status = ClusterStatus.map(cluster.getAdditionalProperties().get("status"));
    Optional<Map<String, Object>> patch =
        ClusterStatus.patch(
            target.podName(),
            s,
            status,
            cluster.getMetadata().getResourceVersion(),
            clock.instant());
    if (patch.isEmpty()) {
      return;
    }
    // resource(cluster), not withName(): the latter reads the object again before patching.
    client
        .genericKubernetesResources(ClusterResource.CONTEXT)
        .inNamespace(target.namespace())
        .resource(cluster)
        .subresource("status")
        .patch(PatchContext.of(PatchType.JSON_MERGE), Serialization.asJson(patch.get()));
    log.debug("Cluster status patched: {}", patch.get().get("status"));
  }
}
