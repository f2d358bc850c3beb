package io.pgwarden.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;

/** CloudNativePG's {@code Cluster} ({@code postgresql.cnpg.io/v1}), read as a generic resource. */
final class ClusterResource {
  static final String GROUP = "postgresql.cnpg.io";
  static final String VERSION = "v1";
  static final String KIND = "Cluster";
  static final String PLURAL = "clusters";

  static final ResourceDefinitionContext CONTEXT =
      new ResourceDefinitionContext.Builder()
          .withGroup(GROUP)
          .withVersion(VERSION)
          .withKind(KIND)
          .withPlural(PLURAL)
          .withNamespaced(true)
          .build();

  private ClusterResource() {}

  /** The own Cluster. */
  static Resource<GenericKubernetesResource> resource(KubernetesClient client, KubeTarget target) {
    return client
        .genericKubernetesResources(CONTEXT)
        .inNamespace(target.namespace())
        .withName(target.clusterName());
  }
}
