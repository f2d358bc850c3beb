package io.pgwarden.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;

/**
 * fabric8's mock API server in CRUD mode (expectations answered first) on loopback, and a client of
 * it in namespace {@code ns} without retries inside a request, as pgwarden configures its own.
 */
final class MockApiServer implements AutoCloseable {
  final KubernetesMockServer server;
  final KubernetesClient client;

  MockApiServer() {
    Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
    server =
        new KubernetesMockServer(
            new Context(),
            new MockWebServer(),
            responses,
            new KubernetesMixedDispatcher(responses),
            false);
    server.start(InetAddress.getLoopbackAddress(), 0);
    Config config =
        new ConfigBuilder(Config.empty())
            .withMasterUrl("http://127.0.0.1:" + server.getPort())
            .withNamespace("ns")
            .withRequestRetryBackoffLimit(0)
            .build();
    client = new KubernetesClientBuilder().withConfig(config).build();
  }

  /** Creates Cluster {@code db} in {@code ns} with {@code specJson} as its spec. */
  void createCluster(String specJson) {
    client
        .genericKubernetesResources(ClusterResource.CONTEXT)
        .inNamespace("ns")
        .resource(
            Serialization.unmarshal(
                "{\"apiVersion\":\"postgresql.cnpg.io/v1\",\"kind\":\"Cluster\","
                    + "\"metadata\":{\"name\":\"db\",\"namespace\":\"ns\"},"
                    + "\"spec\":"
                    + specJson
                    + "}",
                GenericKubernetesResource.class))
        .create();
  }

  @Override
  public void close() {
    client.close();
    try {
      server.shutdown();
    } catch (IllegalStateException e) {
      // "Unable to close MockWebServer": an informer's watch connection still closing after its
      // 10 s wait (seen twice under CI load); the test is over, and nothing else uses the port.
    }
  }
}
