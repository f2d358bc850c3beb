package io.pgwarden.it;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.TimeUnit;

/**
 * fabric8's KubernetesMockServer in CRUD mode standing for the API server (plain HTTP on loopback),
 * with the Cluster CRD's status subresource, a kubeconfig for pgwarden's process, the requests it
 * received, and a stop and restart on the same port that keeps every object (an outage).
 */
final class MockApi implements AutoCloseable {
  static final String NAMESPACE = "pg";

  /** pgwarden's token: its requests are told from the test's own by it. */
  static final String TOKEN = "it-token";

  static final ResourceDefinitionContext CLUSTERS =
      new ResourceDefinitionContext.Builder()
          .withGroup("postgresql.cnpg.io")
          .withVersion("v1")
          .withKind("Cluster")
          .withPlural("clusters")
          .withNamespaced(true)
          .build();

  private final Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
  private final KubernetesMixedDispatcher dispatcher = new KubernetesMixedDispatcher(responses);
  private final List<RecordedRequest> recorded = new ArrayList<>();
  private KubernetesMockServer server;
  private int port;
  final KubernetesClient client;

  MockApi() {
    server = newServer();
    server.start(InetAddress.getLoopbackAddress(), 0);
    port = server.getPort();
    server.expectCustomResource(
        new CustomResourceDefinitionContext.Builder()
            .withGroup("postgresql.cnpg.io")
            .withVersion("v1")
            .withKind("Cluster")
            .withPlural("clusters")
            .withScope("Namespaced")
            .withStatusSubresource(true)
            .build());
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("http://127.0.0.1:" + port)
            .withNamespace(NAMESPACE)
            .build();
    client = new KubernetesClientBuilder().withConfig(config).build();
  }

  private KubernetesMockServer newServer() {
    return new KubernetesMockServer(
        new Context(), new MockWebServer(), responses, dispatcher, false);
  }

  /** The expectations answered before the CRUD store (a 403 for one path, say). */
  KubernetesMockServer server() {
    return server;
  }

  /** A kubeconfig for pgwarden's process: this server, namespace pg, a token. */
  Path kubeconfig(Path dir) throws Exception {
    Path file = dir.resolve("kubeconfig");
    Files.writeString(
        file,
        "apiVersion: v1\n"
            + "kind: Config\n"
            + "clusters: [{name: mock, cluster: {server: 'http://127.0.0.1:"
            + port
            + "'}}]\n"
            + "contexts: [{name: mock, context: {cluster: mock, user: mock, namespace: "
            + NAMESPACE
            + "}}]\n"
            + "current-context: mock\n"
            + "users: [{name: mock, user: {token: "
            + TOKEN
            + "}}]\n");
    return file;
  }

  /** pgwarden's environment for cluster {@code cluster}. */
  Map<String, String> env(Path dir, String cluster) throws Exception {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("NAMESPACE", NAMESPACE);
    env.put("CLUSTER_NAME", cluster);
    env.put("KUBECONFIG", kubeconfig(dir).toString());
    return env;
  }

  /** The API goes away: connections are refused until {@link #restart()}. */
  void stop() {
    drainRecorded();
    server.shutdown();
  }

  /** The API comes back on the same port with the same objects. */
  void restart() {
    server = newServer();
    server.start(InetAddress.getLoopbackAddress(), port);
  }

  /** Every request received so far (method, path with query). */
  synchronized List<RecordedRequest> requests() {
    drainRecorded();
    return List.copyOf(recorded);
  }

  private synchronized void drainRecorded() {
    try {
      RecordedRequest r;
      while ((r = server.takeRequest(10, TimeUnit.MILLISECONDS)) != null) {
        recorded.add(r);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  NonNamespaceOperation<
          GenericKubernetesResource,
          io.fabric8.kubernetes.api.model.GenericKubernetesResourceList,
          Resource<GenericKubernetesResource>>
      clusters() {
    return client.genericKubernetesResources(CLUSTERS).inNamespace(NAMESPACE);
  }

  void createCluster(String yaml) {
    clusters().resource(Serialization.unmarshal(yaml, GenericKubernetesResource.class)).create();
  }

  /** The Cluster's {@code status} as stored. */
  @SuppressWarnings("unchecked")
  Map<String, Object> status(String cluster) {
    GenericKubernetesResource c = clusters().withName(cluster).get();
    Object s = c == null ? null : c.getAdditionalProperties().get("status");
    return s instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
  }

  /** Creates or replaces Secret {@code name} with {@code data}. */
  void secret(String name, Map<String, byte[]> data) {
    Map<String, String> encoded = new LinkedHashMap<>();
    data.forEach((k, v) -> encoded.put(k, Base64.getEncoder().encodeToString(v)));
    client
        .secrets()
        .inNamespace(NAMESPACE)
        .resource(
            new SecretBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NAMESPACE)
                .endMetadata()
                .withData(encoded)
                .build())
        .createOr(r -> r.update());
  }

  void secretText(String name, Map<String, String> data) {
    Map<String, byte[]> bytes = new LinkedHashMap<>();
    data.forEach((k, v) -> bytes.put(k, v.getBytes(StandardCharsets.UTF_8)));
    secret(name, bytes);
  }

  void configMap(String name, Map<String, String> data) {
    client
        .configMaps()
        .inNamespace(NAMESPACE)
        .resource(
            new ConfigMapBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(NAMESPACE)
                .endMetadata()
                .withData(data)
                .build())
        .createOr(r -> r.update());
  }

  /** The Events on Cluster {@code cluster}, oldest first. */
  List<Event> events(String cluster) {
    List<Event> out = new ArrayList<>();
    for (Event e : client.v1().events().inNamespace(NAMESPACE).list().getItems()) {
      if (e.getInvolvedObject() != null && cluster.equals(e.getInvolvedObject().getName())) {
        out.add(e);
      }
    }
    return out;
  }

  @Override
  public void close() {
    client.close();
    server.shutdown();
  }
}
