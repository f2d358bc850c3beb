package io.pgwarden.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Events against fabric8's mock API server in CRUD mode. */
class EventRecorderTest {
  private static final KubeTarget TARGET = new KubeTarget("ns", "db", "db-1");
  private static final String EVENTS = "/api/v1/namespaces/ns/events";

  private MockApiServer api;
  private KubernetesMockServer server;
  private KubernetesClient client;
  private ScheduledExecutorService thread;

  @BeforeEach
  void start() {
    api = new MockApiServer();
    server = api.server;
    client = api.client;
    thread = Executors.newSingleThreadScheduledExecutor();
  }

  @AfterEach
  void stop() {
    thread.shutdownNow();
    api.close();
  }

  private EventRecorder recorder() {
    return new EventRecorder(client, TARGET, thread, Clock.systemUTC(), Optional::empty);
  }

  private List<Event> events() {
    return client.v1().events().inNamespace("ns").list().getItems();
  }

  private static void awaitDrained(EventRecorder r) {
    await("the queued Events sent").atMost(Duration.ofSeconds(10)).until(r::drained);
  }

  @Test
  void eventsNameTheClusterAndArriveInOrder() throws Exception {
    EventRecorder r = recorder();
    r.normal("Started", "postgres started with pid 42");
    r.warning("InputRefused", "spec.postgresql.parameters.archive_mode: managed by pgwarden");
    awaitDrained(r);
    List<Event> events = events();
    assertThat(events).extracting(Event::getReason).containsExactly("Started", "InputRefused");
    Event refused = events.get(1);
    assertThat(refused.getType()).isEqualTo("Warning");
    assertThat(refused.getInvolvedObject().getKind()).isEqualTo("Cluster");
    assertThat(refused.getInvolvedObject().getApiVersion()).isEqualTo("postgresql.cnpg.io/v1");
    assertThat(refused.getInvolvedObject().getName()).isEqualTo("db");
    assertThat(refused.getSource().getComponent()).isEqualTo("pgwarden");
    assertThat(refused.getReportingInstance()).isEqualTo("db-1");
    assertThat(refused.getMetadata().getName()).startsWith("db.");
  }

  @Test
  void anApiThatFailsTwiceGetsTheEventOnTheThirdTry() throws Exception {
    server
        .expect()
        .post()
        .withPath(EVENTS)
        .andReturn(
            503,
            new StatusBuilder().withStatus("Failure").withCode(503).withMessage("down").build())
        .times(2);
    EventRecorder r = recorder();
    r.normal("Started", "postgres started with pid 42");
    awaitDrained(r);
    assertThat(events()).extracting(Event::getReason).containsExactly("Started");
  }

  @Test
  void anEventTheApiRefusesIsDroppedAndTheNextOneGoesOn() throws Exception {
    server
        .expect()
        .post()
        .withPath(EVENTS)
        .andReturn(
            403, new StatusBuilder().withStatus("Failure").withCode(403).withMessage("no").build())
        .once();
    EventRecorder r = recorder();
    r.normal("Started", "first");
    r.normal("Ready", "second");
    awaitDrained(r);
    assertThat(events()).extracting(Event::getReason).containsExactly("Ready");
  }

  @Test
  void aLongMessageIsCut() throws Exception {
    EventRecorder r = recorder();
    r.warning("InputRefused", "x".repeat(5000));
    awaitDrained(r);
    assertThat(events().get(0).getMessage()).hasSize(EventRecorder.MAX_MESSAGE).endsWith("...");
  }
}
