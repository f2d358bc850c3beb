package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.mockwebserver.http.RecordedRequest;
import io.pgwarden.it.kube.RbacEvaluator;
import io.pgwarden.it.kube.RequestInfoResolver;
import io.pgwarden.supervisor.Libc;
import io.pgwarden.tls.Issued;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pgwarden instance init} and {@code instance run} against fabric8's KubernetesMockServer in
 * CRUD mode and a real postgres: every effect checked in postgres, in the Cluster's status and in
 * its Events; every request pgwarden made checked against {@code config/rbac/role.yaml}.
 */
class KubernetesIT {
  private static final String CLUSTER = "db";
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void fullScenarioIsSeenInPostgresTheStatusAndEventsWithinTheRole() throws Exception {
    try (MockApi api = new MockApi()) {
      Path tls = KubeScene.tlsSecrets(api, dir, CLUSTER);
      api.secretText(CLUSTER + "-app", Map.of("username", "app", "password", "first-Pa55word"));
      api.createCluster(
          KubeScene.cluster(CLUSTER, "  postgresql:\n    parameters: {work_mem: 8MB}\n"));
      Map<String, String> env = api.env(dir, CLUSTER);

      // Bootstrap: the initdb Job, then the instance.
      Pgwarden pg = Pgwarden.kubernetes(dir, env);
      assertThat(pg.init(Duration.ofMinutes(2))).as(pg.tail(40)).isZero();
      assertThat(pg.data.resolve("PG_VERSION")).exists();
      assertThat(pg.init(Duration.ofMinutes(1))).as("a second init leaves PGDATA alone").isZero();
      assertThat(pg.hasMessage("already holds a cluster")).isTrue();
      try (pg) {
        pg.start().awaitReady();
        awaitStatus(api, s -> Pgwarden.POD.equals(s.get("currentPrimary")));
        Map<String, Object> status = api.status(CLUSTER);
        assertThat(status.get("instancesStatus"))
            .isEqualTo(Map.of("healthy", List.of(Pgwarden.POD)));
        assertThat(status.get("readyInstances")).isEqualTo(1);
        assertThat(status.get("currentPrimaryTimestamp")).isNotNull();
        awaitEvent(api, "Started");
        awaitEvent(api, "Ready");
        assertThat(
                pg.query("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = 'app'"))
            .isEqualTo("app");
        assertThat(pg.query("SHOW work_mem")).isEqualTo("8MB");
        try (Connection c = tcp(pg, tls, "app", "first-Pa55word")) {
          assertThat(c.isValid(5)).isTrue();
        }

        // A rotated password.
        api.secretText(CLUSTER + "-app", Map.of("username", "app", "password", "second-Pa55word"));
        await(() -> canLogIn(pg, tls, "app", "second-Pa55word"));
        assertThat(canLogIn(pg, tls, "app", "first-Pa55word")).isFalse();

        // A rotated server certificate, served without a restart.
        long postmaster = pg.postmasterPid();
        Issued next = KubeScene.issueServer(tls, CLUSTER);
        api.secret(
            CLUSTER + "-server",
            Map.of("tls.crt", next.certificatePem(), "tls.key", next.privateKeyPem()));
        await(() -> KubeScene.servedSerial(pg.pgPort).equals(next.certificate().getSerialNumber()));
        assertThat(pg.postmasterPid()).isEqualTo(postmaster);
        awaitEvent(api, "CertificatesRotated");

        // pg_hba changed in the Cluster.
        editSpec(
            api,
            """
              postgresql:
                parameters: {work_mem: 8MB}
                pg_hba: ['hostssl app app 10.1.2.0/24 scram-sha-256']
            """);
        await(
            () ->
                "1"
                    .equals(
                        pg.query(
                            "SELECT count(*) FROM pg_hba_file_rules WHERE address = '10.1.2.0'")));
        assertThat(pg.query("SELECT count(*) FROM pg_hba_file_rules WHERE error IS NOT NULL"))
            .isEqualTo("0");
        awaitEvent(api, "Reloaded");

        // Superuser access on before its Secret exists (a 404: reported, nothing breaks), then the
        // Secret appears and its watch applies it; then access off.
        editSpec(api, "  enableSuperuserAccess: true\n");
        assertThat(awaitEvent(api, "InputRefused", "db-superuser").getMessage())
            .contains("enableSuperuserAccess", "has no username and password");
        assertThat(canLogIn(pg, tls, "postgres", "super-Pa55word")).isFalse();
        api.secretText(
            CLUSTER + "-superuser", Map.of("username", "postgres", "password", "super-Pa55word"));
        await(() -> canLogIn(pg, tls, "postgres", "super-Pa55word"));
        editSpec(api, "  enableSuperuserAccess: false\n");
        await(() -> !canLogIn(pg, tls, "postgres", "super-Pa55word"));
        assertThat(pg.query("SELECT rolpassword IS NULL FROM pg_authid WHERE rolname = 'postgres'"))
            .isEqualTo("t");

        // A change with a refused parameter is refused whole; without it, it applies, and the
        // parameter that needs a restart is reported.
        editSpec(
            api,
            "  postgresql:\n    parameters: {work_mem: 12MB, shared_buffers: 48MB, archive_mode:"
                + " 'on'}\n");
        awaitEvent(api, "InputRefused", "archive_mode");
        assertThat(pg.query("SHOW work_mem")).isNotEqualTo("12MB");
        editSpec(api, "  postgresql:\n    parameters: {work_mem: 12MB, shared_buffers: 48MB}\n");
        await(() -> "12MB".equals(pg.query("SHOW work_mem")));
        awaitStatus(api, s -> "Applying configuration".equals(s.get("phase")));
        assertThat((String) api.status(CLUSTER).get("phaseReason")).contains("shared_buffers");
        assertThat(awaitEvent(api, "RestartRequired").getMessage()).contains("shared_buffers");
        assertThat(pg.postmasterPid()).isEqualTo(postmaster);

        // A crash: pgwarden exits non-zero and says so.
        Libc.kill(pg.postmasterPid(), Libc.SIGKILL);
        assertThat(pg.awaitExit(WAIT)).isNotZero();
        assertThat(awaitEvent(api, "Crashed").getType()).isEqualTo("Warning");
        awaitStatus(api, s -> hasInstance(s, "failed"));

        // The kubelet's restart: ready again, the restart-required parameter now applied.
        pg.start().awaitReady();
        awaitStatus(api, s -> hasInstance(s, "healthy"));
        assertThat(pg.query("SHOW shared_buffers")).isEqualTo("48MB");
        awaitStatus(api, s -> "Cluster in healthy state".equals(s.get("phase")));

        // Shutdown.
        pg.signal(Libc.SIGTERM);
        assertThat(pg.awaitExit(WAIT)).isZero();
        assertThat(pg.controlData()).contains("Database cluster state:               shut down");
        awaitStatus(api, s -> hasInstance(s, "failed"));
      }

      // Least privilege: every request pgwarden made (with its ServiceAccount's token) is one the
      // Role allows.
      RbacEvaluator role =
          RbacEvaluator.load(Path.of("config/rbac/role.yaml"), CLUSTER)
              .inNamespace(MockApi.NAMESPACE);
      List<String> denied = new ArrayList<>();
      List<String> seen = new ArrayList<>();
      for (RecordedRequest r : api.requests()) {
        if (!("Bearer " + MockApi.TOKEN).equals(r.getHeader("Authorization"))) {
          continue; // the test's own client, setting the scene
        }
        String line = r.getMethod() + " " + r.getPath();
        Optional<RbacEvaluator.Request> request =
            RequestInfoResolver.resolve(r.getMethod(), r.getPath());
        if (request.isEmpty() || !role.allowed(request.get())) {
          denied.add(line);
        } else {
          RbacEvaluator.Request q = request.get();
          seen.add(q.verb() + " " + q.combinedResource() + " " + q.name());
        }
      }
      assertThat(denied).as("requests the Role would deny").isEmpty();
      assertThat(seen)
          .contains(
              "watch secrets db-server",
              "list secrets db-app",
              "watch clusters db",
              "get clusters db",
              "patch clusters/status db",
              "create events null");
    }
  }

  @Test
  void aForbiddenSecretIsReportedAndPostgresKeepsRunning() throws Exception {
    try (MockApi api = new MockApi()) {
      Path tls = KubeScene.tlsSecrets(api, dir, CLUSTER);
      api.secretText(CLUSTER + "-app", Map.of("username", "app", "password", "first-Pa55word"));
      api.secretText(
          CLUSTER + "-superuser", Map.of("username", "postgres", "password", "super-Pa55word"));
      String secrets = "/api/v1/namespaces/" + MockApi.NAMESPACE + "/secrets";
      for (String path :
          List.of(
              secrets + "/db-superuser",
              secrets + "?fieldSelector=metadata.name%3Ddb-superuser&resourceVersion=0")) {
        api.server()
            .expect()
            .get()
            .withPath(path)
            .andReturn(
                403,
                new StatusBuilder()
                    .withStatus("Failure")
                    .withReason("Forbidden")
                    .withCode(403)
                    .withMessage("secrets \"db-superuser\" is forbidden")
                    .build())
            .always();
      }
      api.createCluster(KubeScene.cluster(CLUSTER, "  enableSuperuserAccess: true\n"));
      Pgwarden pg = Pgwarden.kubernetes(dir, api.env(dir, CLUSTER));
      assertThat(pg.init(Duration.ofMinutes(2))).as(pg.tail(40)).isZero();
      try (pg) {
        pg.start().awaitReady();
        String line = pg.awaitMessage("forbidden (HTTP 403)", WAIT).path("msg").asText();
        assertThat(line).contains("secrets", "db-superuser", "resourceNames [db-superuser]");
        Event forbidden = awaitEvent(api, "Forbidden");
        assertThat(forbidden.getType()).isEqualTo("Warning");
        assertThat(forbidden.getMessage()).contains("db-superuser");
        // postgres runs on, and the rest of the Cluster was applied.
        assertThat(pg.isAlive()).isTrue();
        assertThat(pg.query("SELECT 1")).isEqualTo("1");
        try (Connection c = tcp(pg, tls, "app", "first-Pa55word")) {
          assertThat(c.isValid(5)).isTrue();
        }
        assertThat(canLogIn(pg, tls, "postgres", "super-Pa55word")).isFalse();
      }
    }
  }

  @Test
  void anApiOutageStopsNothingAndTheStatusLandsWhenItReturns() throws Exception {
    try (MockApi api = new MockApi()) {
      Path tls = KubeScene.tlsSecrets(api, dir, CLUSTER);
      api.secretText(CLUSTER + "-app", Map.of("username", "app", "password", "first-Pa55word"));
      api.createCluster(KubeScene.cluster(CLUSTER, ""));
      Pgwarden pg = Pgwarden.kubernetes(dir, api.env(dir, CLUSTER));
      assertThat(pg.init(Duration.ofMinutes(2))).as(pg.tail(40)).isZero();
      try (pg) {
        pg.start();
        // The API goes away as postgres starts: the readiness patch cannot land yet.
        pg.awaitMessage("postgres started with pid", WAIT);
        api.stop();
        Instant down = Instant.now();
        pg.awaitReady();
        Https status = new Https(tls.resolve(CLUSTER + "-ca/ca.crt"), pg.statusPort, null);
        java.net.http.HttpClient plain = java.net.http.HttpClient.newHttpClient();
        while (Duration.between(down, Instant.now()).compareTo(Duration.ofSeconds(30)) < 0) {
          assertThat(pg.isAlive()).isTrue();
          assertThat(pg.query("SELECT 1")).isEqualTo("1");
          assertThat(status.get("/healthz").statusCode()).isEqualTo(200);
          assertThat(status.get("/readyz").statusCode()).isEqualTo(200);
          assertThat(
                  plain
                      .send(
                          java.net.http.HttpRequest.newBuilder(
                                  java.net.URI.create(
                                      "http://localhost:" + pg.metricsPort + "/metrics"))
                              .build(),
                          java.net.http.HttpResponse.BodyHandlers.ofString())
                      .body())
              .contains("cnpg_collector_up");
          // Pacing, not synchronisation: the outage lasting 30 s is the behaviour under test,
          // sampled every 2 s.
          Thread.sleep(2000);
        }
        assertThat(pg.hasMessage("cannot update the Cluster's status")).isTrue();

        api.restart();
        awaitStatus(api, s -> Pgwarden.POD.equals(s.get("currentPrimary")));
        assertThat(api.status(CLUSTER).get("instancesStatus"))
            .isEqualTo(Map.of("healthy", List.of(Pgwarden.POD)));
        awaitEvent(api, "Started");
        awaitEvent(api, "Ready");
        pg.awaitMessage("the Cluster's status is reported again", WAIT);
      }
    }
  }

  @Test
  void whatCannotWorkIsRefusedByName() throws Exception {
    try (MockApi api = new MockApi()) {
      Map<String, String> env = api.env(dir, CLUSTER);
      Map<String, String> noNamespace = new java.util.HashMap<>(env);
      noNamespace.remove("NAMESPACE");
      try (Pgwarden pg = Pgwarden.kubernetes(dir.resolve("a"), noNamespace).start()) {
        assertThat(pg.awaitExit(WAIT)).isEqualTo(2);
        assertThat(pg.hasMessage("NAMESPACE: must be set")).as(pg.tail(5)).isTrue();
      }
      // No Cluster in the API: a bounded wait, then an error naming it.
      try (Pgwarden pg = Pgwarden.kubernetes(dir.resolve("b"), env, "--start-wait", "2")) {
        assertThat(pg.init(WAIT)).isEqualTo(2);
        assertThat(pg.hasMessage("CLUSTER_NAME: Cluster pg/db does not exist (yet) after 2 s"))
            .as(pg.tail(5))
            .isTrue();
        assertThat(pg.data).doesNotExist();
      }
      // instance run on an empty PGDATA: the initdb Job comes first.
      KubeScene.tlsSecrets(api, dir, CLUSTER);
      api.secretText(CLUSTER + "-app", Map.of("username", "app", "password", "first-Pa55word"));
      api.createCluster(KubeScene.cluster(CLUSTER, ""));
      try (Pgwarden pg = Pgwarden.kubernetes(dir.resolve("c"), env).start()) {
        assertThat(pg.awaitExit(WAIT)).isEqualTo(2);
        assertThat(pg.hasMessage("is empty; bootstrap it first with `pgwarden instance init`"))
            .as(pg.tail(5))
            .isTrue();
      }
    }
  }

  private static boolean hasInstance(Map<String, Object> status, String list) {
    return status.get("instancesStatus") instanceof Map<?, ?> m
        && m.get(list) instanceof List<?> l
        && l.contains(Pgwarden.POD);
  }

  /** Replaces the Cluster's spec with the test's base spec plus {@code extra}. */
  private static void editSpec(MockApi api, String extra) {
    GenericKubernetesResource wanted =
        io.fabric8.kubernetes.client.utils.Serialization.unmarshal(
            KubeScene.cluster(CLUSTER, extra), GenericKubernetesResource.class);
    api.clusters()
        .withName(CLUSTER)
        .edit(
            c -> {
              c.getAdditionalProperties().put("spec", wanted.getAdditionalProperties().get("spec"));
              return c;
            });
  }

  private static void awaitStatus(MockApi api, Predicate<Map<String, Object>> ok) throws Exception {
    await(() -> ok.test(api.status(CLUSTER)));
  }

  private static Event awaitEvent(MockApi api, String reason) throws Exception {
    return awaitEvent(api, reason, "");
  }

  /** Waits for an Event with {@code reason} whose message contains {@code text}. */
  private static Event awaitEvent(MockApi api, String reason, String text) throws Exception {
    Instant until = Instant.now().plus(WAIT);
    while (Instant.now().isBefore(until)) {
      for (Event e : api.events(CLUSTER)) {
        if (reason.equals(e.getReason()) && e.getMessage().contains(text)) {
          return e;
        }
      }
      Thread.sleep(100);
    }
    List<String> reasons = new ArrayList<>();
    api.events(CLUSTER).forEach(e -> reasons.add(e.getReason() + ": " + e.getMessage()));
    throw new AssertionError(
        "no Event " + reason + " (" + text + ") within " + WAIT + "; Events: " + reasons);
  }

  private static void await(Callable<Boolean> condition) throws Exception {
    Instant until = Instant.now().plus(WAIT);
    while (Instant.now().isBefore(until)) {
      if (Boolean.TRUE.equals(condition.call())) {
        return;
      }
      Thread.sleep(100);
    }
    assertThat(condition.call()).as("condition within " + WAIT).isTrue();
  }

  private static Connection tcp(Pgwarden pg, Path tls, String user, String password)
      throws SQLException {
    return KubeScene.tcp(
        pg.pgPort, tls.resolve(CLUSTER + "-ca/ca.crt"), user, password, "verify-full");
  }

  private static boolean canLogIn(Pgwarden pg, Path tls, String user, String password) {
    try (Connection c = tcp(pg, tls, user, password)) {
      return c.isValid(5);
    } catch (SQLException e) {
      return false;
    }
  }
}
