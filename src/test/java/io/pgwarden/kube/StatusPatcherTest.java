package io.pgwarden.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The status patch against fabric8's mock API server in CRUD mode. */
class StatusPatcherTest {
  private static final KubeTarget TARGET = new KubeTarget("ns", "db", "db-1");
  private static final String STATUS_PATH =
      "/apis/postgresql.cnpg.io/v1/namespaces/ns/clusters/db/status";

  private MockApiServer api;
  private KubernetesMockServer server;
  private KubernetesClient client;
  private ScheduledExecutorService thread;

  @BeforeEach
  void start() {
    api = new MockApiServer();
    server = api.server;
    client = api.client;
    api.createCluster("{\"instances\":1}");
    thread = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterEach
  void stop() {
    thread.shutdownNow();
    api.close();
  }

  private StatusPatcher patcher() {
    return new StatusPatcher(
        client, TARGET, thread, Clock.fixed(Instant.parse("2026-11-23T10:00:00Z"), ZoneOffset.UTC));
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> status() {
    Object s =
        ClusterResource.resource(client, TARGET).get().getAdditionalProperties().get("status");
    return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  private static void awaitSent(StatusPatcher p) {
    await("the status patch").atMost(Duration.ofSeconds(5)).until(p::upToDate);
  }

  private List<RecordedRequest> requests() throws InterruptedException {
    List<RecordedRequest> out = new ArrayList<>();
    RecordedRequest r;
    while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
      out.add(r);
    }
    return out;
  }

  @Test
  void readyAndPendingRestartReachTheStatusSubresource() throws Exception {
    StatusPatcher p = patcher();
    p.update(s -> s.withReady(true, true, 1));
    awaitSent(p);
    assertThat(status())
        .containsEntry("currentPrimary", "db-1")
        .containsEntry("instancesStatus", Map.of("healthy", List.of("db-1")));
    p.update(s -> s.withPendingRestart(Set.of("shared_buffers")));
    awaitSent(p);
    assertThat(status())
        .containsEntry("phase", "Applying configuration")
        .containsEntry("phaseReason", "restart required to apply: shared_buffers");
    // The spec is untouched and every patch went to the status subresource as a merge patch.
    assertThat(ClusterResource.resource(client, TARGET).get().getAdditionalProperties().get("spec"))
        .isEqualTo(Map.of("instances", 1));
    List<RecordedRequest> patches =
        requests().stream().filter(r -> "PATCH".equals(r.getMethod())).toList();
    assertThat(patches).hasSize(2);
    for (RecordedRequest r : patches) {
      assertThat(r.getPath()).isEqualTo(STATUS_PATH);
      assertThat(r.getHeader("Content-Type")).startsWith("application/merge-patch+json");
    }
  }

  @Test
  void aConflictReadsTheClusterAgainAndRetries() throws Exception {
    server
        .expect()
        .patch()
        .withPath(STATUS_PATH)
        .andReturn(
            409,
            new StatusBuilder()
                .withStatus("Failure")
                .withReason("Conflict")
                .withCode(409)
                .withMessage("the object has been modified")
                .build())
        .once();
    StatusPatcher p = patcher();
    p.update(s -> s.withReady(true, true, 1));
    awaitSent(p);
    assertThat(status()).containsEntry("currentPrimary", "db-1");
    List<String> calls = requests().stream().map(r -> r.getMethod() + " " + r.getPath()).toList();
    assertThat(calls.stream().filter(c -> c.startsWith("PATCH"))).hasSize(2);
    assertThat(calls.stream().filter(c -> c.startsWith("GET"))).hasSizeGreaterThanOrEqualTo(3);
  }

  @Test
  void nothingNewSendsNoPatch() throws Exception {
    StatusPatcher p = patcher();
    p.update(s -> s.withReady(true, true, 1));
    awaitSent(p);
    requests();
    p.update(s -> s.withReady(true, true, 1)); // the same state: not even a read
    p.update(s -> s.withPendingRestart(Set.of()));
    assertThat(p.upToDate()).as("nothing new to send").isTrue();
    // A send would run on the patcher's thread: once a task queued behind it ran, it would have.
    thread.submit(() -> {}).get(5, TimeUnit.SECONDS);
    assertThat(requests()).isEmpty();
  }
}
