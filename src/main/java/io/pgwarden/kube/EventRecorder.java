package io.pgwarden.kube;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectReference;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Events on the own Cluster, for {@code kubectl describe cluster}: queued (at most {@value #QUEUE}
 * waiting, the oldest dropped first), created in order on the Kubernetes thread, kept and retried
 * with a backoff while the API cannot be reached; an Event the API refuses (a 403, a 422) is
 * dropped with one log line.
 */
final class EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(EventRecorder.class);
  static final int QUEUE = 256;
  static final int MAX_MESSAGE = 1024;
  static final String COMPONENT = "pgwarden";
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss'Z'").withZone(ZoneOffset.UTC);

  private final KubernetesClient client;
  private final KubeTarget target;
  private final ScheduledExecutorService thread;
  private final Clock clock;
  private final Supplier<Optional<GenericKubernetesResource>> cluster;
  private final Backoff backoff = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(15));
  private final Deque<Event> queue = new ArrayDeque<>();
  private ScheduledFuture<?> retry;
  private long sequence;
  private String lastProblem;

  EventRecorder(
      KubernetesClient client,
      KubeTarget target,
      ScheduledExecutorService thread,
      Clock clock,
      Supplier<Optional<GenericKubernetesResource>> cluster) {
    this.client = client;
    this.target = target;
    this.thread = thread;
    this.clock = clock;
    this.cluster = cluster;
  }

  void normal(String reason, String message) {
    record("Normal", reason, message);
  }

  void warning(String reason, String message) {
    record("Warning", reason, message);
  }

  private void record(String type, String reason, String message) {
    Event event = build(type, reason, message);
    synchronized (queue) {
      if (queue.size() >= QUEUE) {
        Event oldest = queue.removeFirst();
        log.warn(
            "Event queue full ({} waiting for the API): dropped the oldest, {}",
            QUEUE,
            oldest.getReason());
      }
      queue.addLast(event);
    }
    thread.execute(this::drain);
  }

  /** True when nothing waits to be sent. */
  boolean drained() {
    synchronized (queue) {
      return queue.isEmpty();
    }
  }

  /** Runs on the Kubernetes thread: sends what waits, in order. */
  void drain() {
    while (true) {
      Event next;
      synchronized (queue) {
        next = queue.peekFirst();
        if (next == null) {
          return;
        }
      }
      try {
        client.v1().events().inNamespace(target.namespace()).resource(next).create();
        backoff.reset();
        if (lastProblem != null) {
          log.info("Events are created again");
          lastProblem = null;
        }
      } catch (RuntimeException e) {
        if (ApiProblems.status(e).isEmpty() || ApiProblems.status(e).get() >= 500) {
          // The API cannot be reached or is failing: keep the Event and try again later.
          complain(ApiProblems.describe(e, "create", "events", "(any)"));
          if (retry == null) {
            // Only this thread touches retry: the retry clears it before draining again.
            retry =
                thread.schedule(
                    () -> {
                      retry = null;
                      drain();
                    },
                    backoff.next().toMillis(),
                    TimeUnit.MILLISECONDS);
          }
          return;
        }
        complain(
            "Event "
                + next.getReason()
                + " refused: "
                + ApiProblems.describe(e, "create", "events", "(any)"));
      }
      synchronized (queue) {
        queue.pollFirst();
      }
    }
  }

  private void complain(String problem) {
    if (!problem.equals(lastProblem)) {
      log.error("cannot create Events: {}", problem);
      lastProblem = problem;
    }
  }

  private Event build(String type, String reason, String message) {
    Instant now = clock.instant();
    String at = TIME.format(now);
    String text =
        message.length() > MAX_MESSAGE ? message.substring(0, MAX_MESSAGE - 3) + "..." : message;
    ObjectReferenceBuilder involved =
        new ObjectReferenceBuilder()
            .withApiVersion(ClusterResource.GROUP + "/" + ClusterResource.VERSION)
            .withKind(ClusterResource.KIND)
            .withNamespace(target.namespace())
            .withName(target.clusterName());
    cluster
        .get()
        .ifPresent(
            c ->
                involved
                    .withUid(c.getMetadata().getUid())
                    .withResourceVersion(c.getMetadata().getResourceVersion()));
    ObjectReference ref = involved.build();
    long n;
    synchronized (queue) {
      n = ++sequence;
    }
    // As client-go names them: the object's name and a unique suffix.
    String name =
        target.clusterName()
            + "."
            + Long.toHexString(now.getEpochSecond() * 1_000_000_000L + now.getNano())
            + Long.toHexString(n);
    return new EventBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(target.namespace())
        .endMetadata()
        .withInvolvedObject(ref)
        .withType(type)
        .withReason(reason)
        .withMessage(text)
        .withFirstTimestamp(at)
        .withLastTimestamp(at)
        .withCount(1)
        .withNewSource()
        .withComponent(COMPONENT)
        .withHost(target.podName())
        .endSource()
        .withReportingComponent(COMPONENT)
        .withReportingInstance(target.podName())
        .build();
  }
}
