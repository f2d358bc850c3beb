package io.pgwarden.it.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.SpecParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The YAML under config/rbac and config/samples, with the placeholder substituted as the README
 * says: every document parses, every name is one Kubernetes accepts, and the security-relevant
 * fields hold what the contract promises.
 */
class ConfigManifestsTest {
  private static final String CLUSTER = "mydb";
  private static final Path RBAC = Path.of("config/rbac");
  private static final Path SAMPLES = Path.of("config/samples");
  private static final Pattern DNS_SUBDOMAIN =
      Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*");
  private static final String TOKEN_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

  /** The documents of a file after {@code sed s/CLUSTER_NAME/mydb/g}. */
  private static List<JsonNode> documents(Path file) throws IOException {
    String yaml =
        Files.readString(file, StandardCharsets.UTF_8).replace(RbacEvaluator.PLACEHOLDER, CLUSTER);
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it =
        new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNext()) {
        JsonNode doc = it.next();
        if (doc != null && !doc.isMissingNode() && !doc.isNull()) {
          docs.add(doc);
        }
      }
    }
    return docs;
  }

  private static List<Path> yamlFiles(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
    }
  }

  private static Map<String, JsonNode> byKind(Path file) throws IOException {
    Map<String, JsonNode> kinds = new HashMap<>();
    for (JsonNode doc : documents(file)) {
      assertThat(kinds.put(doc.path("kind").asText(), doc))
          .as("%s: one %s", file, doc.path("kind").asText())
          .isNull();
    }
    return kinds;
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  private static List<String> texts(JsonNode list) {
    List<String> values = new ArrayList<>();
    list.forEach(v -> values.add(v.asText()));
    return values;
  }

  @Test
  void everyObjectHasAKindAndANameKubernetesAccepts() throws IOException {
    List<Path> files = new ArrayList<>(yamlFiles(RBAC));
    files.addAll(yamlFiles(SAMPLES));
    files.removeIf(p -> p.getFileName().toString().equals("kustomization.yaml"));
    assertThat(files).hasSize(6);

    for (Path file : files) {
      List<JsonNode> docs = documents(file);
      assertThat(docs).as(file.toString()).isNotEmpty();
      for (JsonNode doc : docs) {
        String what = file + " " + doc.path("kind").asText();
        assertThat(doc.path("apiVersion").asText()).as(what).isNotEmpty();
        assertThat(doc.path("kind").asText()).as(what).isNotEmpty();
        assertThat(doc.path("metadata").path("name").asText())
            .as(what)
            .matches(DNS_SUBDOMAIN)
            .startsWith(CLUSTER);
        assertThat(doc.toString()).as(what).doesNotContain(RbacEvaluator.PLACEHOLDER + "-");
      }
    }
  }

  @Test
  void theKustomizationListsEveryRbacFile() throws IOException {
    JsonNode kustomization = documents(RBAC.resolve("kustomization.yaml")).get(0);
    Set<String> listed = new TreeSet<>(texts(kustomization.path("resources")));
    Set<String> present = new TreeSet<>();
    for (Path p : yamlFiles(RBAC)) {
      present.add(p.getFileName().toString());
    }
    present.remove("kustomization.yaml");
    assertThat(listed).isEqualTo(present);
  }

  @Test
  void theServiceAccountIsBoundToTheRoleAndMountsNoToken() throws IOException {
    JsonNode sa = documents(RBAC.resolve("service_account.yaml")).get(0);
    JsonNode role = documents(RBAC.resolve("role.yaml")).get(0);
    JsonNode binding = documents(RBAC.resolve("role_binding.yaml")).get(0);

    assertThat(sa.path("kind").asText()).isEqualTo("ServiceAccount");
    assertThat(sa.path("metadata").path("name").asText()).isEqualTo(CLUSTER);
    assertThat(sa.path("automountServiceAccountToken").isBoolean()).isTrue();
    assertThat(sa.path("automountServiceAccountToken").booleanValue()).isFalse();

    assertThat(binding.path("roleRef").path("apiGroup").asText())
        .isEqualTo("rbac.authorization.k8s.io");
    assertThat(binding.path("roleRef").path("kind").asText()).isEqualTo("Role");
    assertThat(binding.path("roleRef").path("name").asText())
        .isEqualTo(role.path("metadata").path("name").asText());
    assertThat(binding.path("subjects")).hasSize(1);
    JsonNode subject = binding.path("subjects").get(0);
    assertThat(subject.path("kind").asText()).isEqualTo("ServiceAccount");
    assertThat(subject.path("name").asText()).isEqualTo(CLUSTER);
  }

  @Test
  void onlyTheEventsRuleGoesWithoutResourceNames() throws IOException {
    RbacEvaluator role = RbacEvaluator.load(RBAC.resolve("role.yaml"), CLUSTER);
    assertThat(role.rules()).isNotEmpty();
    for (RbacEvaluator.Rule rule : role.rules()) {
      assertThat(rule.verbs()).as("%s", rule).doesNotContain("*");
      assertThat(rule.apiGroups()).as("%s", rule).doesNotContain("*");
      assertThat(rule.resources()).as("%s", rule).noneMatch(r -> r.contains("*"));
      if (rule.resourceNames().isEmpty()) {
        assertThat(rule.apiGroups()).as("%s", rule).containsExactly("");
        assertThat(rule.resources()).as("%s", rule).containsExactly("events");
        assertThat(rule.verbs()).as("%s", rule).containsExactlyInAnyOrder("create", "patch");
      }
    }
  }

  @Test
  void thePodIsRestricted() throws IOException {
    JsonNode pod = byKind(SAMPLES.resolve("pod.yaml")).get("Pod");
    assertThat(pod).isNotNull();
    JsonNode spec = pod.path("spec");

    assertThat(spec.path("serviceAccountName").asText()).isEqualTo(CLUSTER);
    assertThat(spec.path("automountServiceAccountToken").isBoolean()).isTrue();
    assertThat(spec.path("automountServiceAccountToken").booleanValue()).isFalse();
    assertThat(spec.path("hostNetwork").asBoolean(false)).isFalse();
    assertThat(spec.path("hostPID").asBoolean(false)).isFalse();

    JsonNode psc = spec.path("securityContext");
    assertThat(psc.path("runAsNonRoot").booleanValue()).isTrue();
    assertThat(psc.path("runAsUser").intValue()).isEqualTo(26);
    assertThat(psc.path("runAsGroup").intValue()).isEqualTo(26);
    assertThat(psc.path("fsGroup").intValue()).isEqualTo(26);
    assertThat(psc.path("seccompProfile").path("type").asText()).isEqualTo("RuntimeDefault");
    // The rest of the restricted Pod Security Standard (SECURITY.md): no host IPC, sysctls,
    // SELinux or AppArmor overrides, host ports or volume types beyond the restricted list.
    assertThat(spec.path("hostIPC").asBoolean(false)).isFalse();
    assertThat(psc.has("sysctls") || psc.has("seLinuxOptions") || psc.has("appArmorProfile"))
        .isFalse();
    spec.path("volumes")
        .forEach(
            v ->
                assertThat(fieldNames(v))
                    .as(v.path("name").asText())
                    .isSubsetOf("name", "persistentVolumeClaim", "emptyDir", "projected"));

    List<JsonNode> containers = new ArrayList<>();
    spec.path("initContainers").forEach(containers::add);
    spec.path("containers").forEach(containers::add);
    assertThat(containers).hasSize(2);
    for (JsonNode c : containers) {
      String name = c.path("name").asText();
      JsonNode sc = c.path("securityContext");
      assertThat(sc.path("readOnlyRootFilesystem").booleanValue()).as(name).isTrue();
      assertThat(sc.path("allowPrivilegeEscalation").isBoolean()).as(name).isTrue();
      assertThat(sc.path("allowPrivilegeEscalation").booleanValue()).as(name).isFalse();
      assertThat(sc.path("privileged").asBoolean(false)).as(name).isFalse();
      assertThat(texts(sc.path("capabilities").path("drop"))).as(name).containsExactly("ALL");
      assertThat(sc.path("capabilities").has("add")).as(name).isFalse();
      // Nothing in a container may undo the pod's user.
      assertThat(sc.has("runAsUser") || sc.has("runAsNonRoot")).as(name).isFalse();
      assertThat(sc.has("procMount") || sc.has("seLinuxOptions") || sc.has("appArmorProfile"))
          .as(name)
          .isFalse();
      c.path("ports").forEach(port -> assertThat(port.has("hostPort")).as(name).isFalse());
      assertThat(c.path("image").asText()).as(name).isEqualTo("localhost/pgwarden:0.1.0");
    }
  }

  @Test
  void thePodRunsPgwardenWithTheContractsEnvironment() throws IOException {
    JsonNode spec = byKind(SAMPLES.resolve("pod.yaml")).get("Pod").path("spec");
    JsonNode init = spec.path("initContainers").get(0);
    JsonNode main = spec.path("containers").get(0);
    // The image's entrypoint is pgwarden (java @jvm.options -jar): a pod gives only its arguments.
    assertThat(init.has("command") || main.has("command")).isFalse();
    assertThat(texts(init.path("args"))).containsExactly("instance", "init");
    assertThat(texts(main.path("args"))).containsExactly("instance", "run");

    for (JsonNode c : List.of(init, main)) {
      Map<String, JsonNode> env = new HashMap<>();
      c.path("env").forEach(e -> env.put(e.path("name").asText(), e));
      assertThat(env)
          .containsOnlyKeys(
              "PGDATA", "POD_NAME", "NAMESPACE", "CLUSTER_NAME", "PGHOST", "PGPORT", "TMPDIR");
      assertThat(env.get("PGDATA").path("value").asText())
          .isEqualTo("/var/lib/postgresql/data/pgdata");
      assertThat(env.get("CLUSTER_NAME").path("value").asText()).isEqualTo(CLUSTER);
      assertThat(env.get("PGHOST").path("value").asText()).isEqualTo("/controller/run");
      assertThat(env.get("PGPORT").path("value").asText()).isEqualTo("5432");
      assertThat(env.get("TMPDIR").path("value").asText()).isEqualTo("/controller/tmp");
      assertThat(env.get("POD_NAME").at("/valueFrom/fieldRef/fieldPath").asText())
          .isEqualTo("metadata.name");
      assertThat(env.get("NAMESPACE").at("/valueFrom/fieldRef/fieldPath").asText())
          .isEqualTo("metadata.namespace");

      Map<String, JsonNode> mounts = new HashMap<>();
      c.path("volumeMounts").forEach(m -> mounts.put(m.path("mountPath").asText(), m));
      assertThat(mounts).containsKeys("/var/lib/postgresql/data", "/controller", TOKEN_DIR);
      assertThat(mounts.get(TOKEN_DIR).path("readOnly").booleanValue()).isTrue();
    }

    Set<Integer> ports = new TreeSet<>();
    main.path("ports").forEach(p -> ports.add(p.path("containerPort").intValue()));
    assertThat(ports).containsExactly(5432, 8000, 9187);

    Map<String, String> probes =
        Map.of(
            "startupProbe", "/startupz", "readinessProbe", "/readyz", "livenessProbe", "/healthz");
    probes.forEach(
        (probe, path) -> {
          JsonNode get = main.path(probe).path("httpGet");
          assertThat(get.path("scheme").asText()).as(probe).isEqualTo("HTTPS");
          assertThat(get.path("port").intValue()).as(probe).isEqualTo(8000);
          assertThat(get.path("path").asText()).as(probe).isEqualTo(path);
        });
  }

  @Test
  void thePodsVolumesAreTheScratchDirTheDataClaimAndAShortLivedToken() throws IOException {
    Map<String, JsonNode> kinds = byKind(SAMPLES.resolve("pod.yaml"));
    JsonNode spec = kinds.get("Pod").path("spec");
    Map<String, JsonNode> volumes = new HashMap<>();
    spec.path("volumes").forEach(v -> volumes.put(v.path("name").asText(), v));

    Map<String, String> mountedAt = new HashMap<>();
    spec.path("containers")
        .get(0)
        .path("volumeMounts")
        .forEach(m -> mountedAt.put(m.path("mountPath").asText(), m.path("name").asText()));

    assertThat(volumes.get(mountedAt.get("/controller")).has("emptyDir")).isTrue();
    assertThat(
            volumes
                .get(mountedAt.get("/var/lib/postgresql/data"))
                .at("/persistentVolumeClaim/claimName")
                .asText())
        .isEqualTo(kinds.get("PersistentVolumeClaim").path("metadata").path("name").asText());

    JsonNode sources = volumes.get(mountedAt.get(TOKEN_DIR)).path("projected").path("sources");
    assertThat(sources).hasSize(3);
    JsonNode token = sources.get(0).path("serviceAccountToken");
    assertThat(token.path("path").asText()).isEqualTo("token");
    assertThat(token.path("expirationSeconds").intValue()).isEqualTo(3600);
    JsonNode ca = sources.get(1).path("configMap");
    assertThat(ca.path("name").asText()).isEqualTo("kube-root-ca.crt");
    assertThat(ca.at("/items/0/key").asText()).isEqualTo("ca.crt");
    assertThat(ca.at("/items/0/path").asText()).isEqualTo("ca.crt");
    JsonNode ns = sources.get(2).path("downwardAPI").path("items").get(0);
    assertThat(ns.path("path").asText()).isEqualTo("namespace");
    assertThat(ns.at("/fieldRef/fieldPath").asText()).isEqualTo("metadata.namespace");
  }

  @Test
  void theNetworkPolicyOpensOnlyTheThreePortsOfThisCluster() throws IOException {
    JsonNode np = documents(SAMPLES.resolve("networkpolicy.yaml")).get(0);
    assertThat(np.path("kind").asText()).isEqualTo("NetworkPolicy");
    JsonNode spec = np.path("spec");
    assertThat(spec.at("/podSelector/matchLabels/cnpg.io~1cluster").asText()).isEqualTo(CLUSTER);
    assertThat(texts(spec.path("policyTypes"))).containsExactly("Ingress");

    Set<Integer> ports = new TreeSet<>();
    for (JsonNode rule : spec.path("ingress")) {
      // A rule without "from" or without "ports" would admit every peer or every port.
      assertThat(rule.path("from").size()).as("%s", rule).isPositive();
      assertThat(rule.path("ports").size()).as("%s", rule).isPositive();
      for (JsonNode port : rule.path("ports")) {
        assertThat(port.path("protocol").asText()).isEqualTo("TCP");
        ports.add(port.path("port").intValue());
      }
      for (JsonNode peer : rule.path("from")) {
        assertThat(peer.has("ipBlock")).as("%s", peer).isFalse();
        assertThat(peer.has("podSelector") || peer.has("namespaceSelector")).isTrue();
      }
    }
    assertThat(ports).containsExactly(5432, 8000, 9187);
  }

  @Test
  void theSampleClusterIsOnePgwardenReads() throws Exception {
    String yaml =
        Files.readString(SAMPLES.resolve("cluster.yaml"), StandardCharsets.UTF_8)
            .replace(RbacEvaluator.PLACEHOLDER, CLUSTER);
    Cluster cluster = SpecParser.parse(yaml.getBytes(StandardCharsets.UTF_8), "cluster.yaml");
    assertThat(cluster.name()).isEqualTo(CLUSTER);
    assertThat(cluster.apiVersion()).isEqualTo("postgresql.cnpg.io/v1");
  }
}
