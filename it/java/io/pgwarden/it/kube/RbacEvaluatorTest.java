package io.pgwarden.it.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.it.kube.RbacEvaluator.Request;
import io.pgwarden.it.kube.RbacEvaluator.Rule;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Role of config/rbac/role.yaml, for cluster {@code mydb} in namespace {@code db}, against the
 * requests pgwarden makes (as fabric8 sends them) and requests it must not be able to make; and the
 * RBAC semantics of the evaluator itself.
 */
class RbacEvaluatorTest {
  private static final Path ROLE = Path.of("config/rbac/role.yaml");
  private static final String NS = "db";

  private static RbacEvaluator role;

  @BeforeAll
  static void loadRole() throws Exception {
    role = RbacEvaluator.load(ROLE, "mydb").inNamespace(NS);
  }

  private static boolean allowed(String method, String target) {
    Request request =
        RequestInfoResolver.resolve(method, target)
            .orElseThrow(() -> new AssertionError(target + " is not a resource request"));
    return role.allowed(request);
  }

  @ParameterizedTest(name = "allowed: {0} {1}")
  @CsvSource({
    // The Secrets, read by name and watched through a single-object field selector.
    "GET, /api/v1/namespaces/db/secrets/mydb-server",
    "GET, /api/v1/namespaces/db/secrets/mydb-ca",
    "GET, /api/v1/namespaces/db/secrets/mydb-replication",
    "GET, /api/v1/namespaces/db/secrets/mydb-app",
    "GET, /api/v1/namespaces/db/secrets/mydb-superuser",
    "GET, /api/v1/namespaces/db/secrets?fieldSelector=metadata.name%3Dmydb-server",
    "GET, /api/v1/namespaces/db/secrets?fieldSelector=metadata.name%3Dmydb-app&resourceVersion=0",
    "GET, /api/v1/namespaces/db/secrets?allowWatchBookmarks=true&fieldSelector=metadata.name%3Dmydb-ca&resourceVersion=42&timeoutSeconds=600&watch=true",
    // Its own Cluster: get, and the field-selector list and watch of an informer.
    "GET, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters/mydb",
    "GET, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters?fieldSelector=metadata.name%3Dmydb",
    "GET, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters?fieldSelector=metadata.name%3Dmydb&watch=true",
    // Its status: merge patch, read back, replace.
    "PATCH, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters/mydb/status",
    "GET, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters/mydb/status",
    "PUT, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters/mydb/status",
    // core/v1 Events: created, and patched when one repeats.
    "POST, /api/v1/namespaces/db/events",
    "PATCH, /api/v1/namespaces/db/events/mydb.17e3a1b2c3d4e5f6",
  })
  void pgwardensRequestsAreAllowed(String method, String target) {
    assertThat(allowed(method, target)).as("%s %s", method, target).isTrue();
  }

  @ParameterizedTest(name = "denied: {0} {1}")
  @CsvSource({
    // Other Secrets, and the Secrets pgwarden reads in any way but reading.
    "GET, /api/v1/namespaces/db/secrets/other-secret",
    "GET, /api/v1/namespaces/db/secrets?fieldSelector=metadata.name%3Dother-secret",
    "GET, /api/v1/namespaces/db/secrets",
    "GET, /api/v1/namespaces/db/secrets?watch=true",
    "GET, /api/v1/namespaces/db/secrets?labelSelector=cnpg.io%2Fcluster%3Dmydb",
    "GET, /api/v1/namespaces/db/secrets?fieldSelector=metadata.name%21%3Dother",
    "GET, /api/v1/namespaces/db/secrets?fieldSelector=metadata.namespace%3Ddb",
    "DELETE, /api/v1/namespaces/db/secrets/mydb-server",
    "DELETE, /api/v1/namespaces/db/secrets",
    "PUT, /api/v1/namespaces/db/secrets/mydb-server",
    "PATCH, /api/v1/namespaces/db/secrets/mydb-app",
    "POST, /api/v1/namespaces/db/secrets",
    // The same Secret in another namespace.
    "GET, /api/v1/namespaces/other/secrets/mydb-server",
    // ConfigMaps: none unless the Role is given their names.
    "GET, /api/v1/namespaces/db/configmaps?watch=true",
    "GET, /api/v1/namespaces/db/configmaps",
    "GET, /api/v1/namespaces/db/configmaps/mydb-monitoring-queries",
    // The Cluster itself is the operator's to change; other Clusters are not pgwarden's.
    "PATCH, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters/mydb",
    "PUT, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters/mydb",
    "DELETE, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters/mydb",
    "POST, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters",
    "GET, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters",
    "GET, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters/other",
    "PATCH, /apis/postgresql.cnpg.io/v1/namespaces/db/clusters/other/status",
    "GET, /apis/postgresql.cnpg.io/v1/clusters",
    "GET, /apis/postgresql.cnpg.io/v1/namespaces/db/backups/mydb",
    // Events: no reading, no deleting, and not the events.k8s.io API.
    "DELETE, /api/v1/namespaces/db/events/mydb.17e3a1b2c3d4e5f6",
    "DELETE, /api/v1/namespaces/db/events",
    "GET, /api/v1/namespaces/db/events",
    "PUT, /api/v1/namespaces/db/events/mydb.17e3a1b2c3d4e5f6",
    "POST, /apis/events.k8s.io/v1/namespaces/db/events",
    "POST, /api/v1/namespaces/other/events",
    // Pods, cluster-scoped resources, the rest.
    "GET, /api/v1/namespaces/db/pods",
    "GET, /api/v1/namespaces/db/pods/mydb-1",
    "PATCH, /api/v1/namespaces/db/pods/mydb-1",
    "POST, /api/v1/namespaces/db/pods/mydb-1/exec",
    "GET, /api/v1/namespaces/db",
    "GET, /api/v1/namespaces",
    "GET, /api/v1/nodes",
    "POST, /apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
    "POST, /apis/coordination.k8s.io/v1/namespaces/db/leases",
  })
  void everythingElseIsDenied(String method, String target) {
    assertThat(allowed(method, target)).as("%s %s", method, target).isFalse();
  }

  @Test
  void theRoleIsBoundToItsNamespaceOnlyOnceToldWhichOneItIs() throws Exception {
    RbacEvaluator anywhere = RbacEvaluator.load(ROLE, "mydb");
    Request get = new Request("get", "", "secrets", null, "mydb-server", "elsewhere");
    assertThat(anywhere.allowed(get)).isTrue();
    assertThat(anywhere.inNamespace(NS).allowed(get)).isFalse();
    assertThat(anywhere.allowed(new Request("get", "", "secrets", null, "mydb-server", null)))
        .as("cluster-scoped")
        .isFalse();
  }

  @Test
  void thePlaceholderIsReplacedEverywhere() throws Exception {
    RbacEvaluator myDb = RbacEvaluator.load(ROLE, "my-db");

    assertThat(myDb.rules())
        .flatExtracting(Rule::resourceNames)
        .isNotEmpty()
        .allSatisfy(name -> assertThat(name).startsWith("my-db").doesNotContain("CLUSTER_NAME"))
        .contains(
            "my-db",
            "my-db-server",
            "my-db-ca",
            "my-db-replication",
            "my-db-app",
            "my-db-superuser");
    assertThat(myDb.allowed(new Request("get", "", "secrets", null, "mydb-server", NS))).isFalse();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "MyDb", "my_db", "1db", "db-", "a.b"})
  void aClusterNameKubernetesWouldRefuseIsRefused(String name) {
    assertThatThrownBy(() -> RbacEvaluator.load(ROLE, name))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DNS-1035");
  }

  // The evaluator's RBAC semantics, on rules written for the purpose.

  private static RbacEvaluator rules(Rule... rules) {
    return RbacEvaluator.of(List.of(rules));
  }

  private static Rule rule(List<String> groups, List<String> resources, List<String> verbs) {
    return new Rule(groups, resources, verbs, List.of());
  }

  @Test
  void wildcardsMatchEveryVerbGroupAndResource() {
    RbacEvaluator all = rules(rule(List.of("*"), List.of("*"), List.of("*")));
    assertThat(all.allowed(new Request("delete", "apps", "deployments", null, "x", NS))).isTrue();
    assertThat(all.allowed(new Request("patch", "g", "things", "status", "x", NS)))
        .as("* covers subresources too")
        .isTrue();
  }

  @Test
  void aSubresourceIsItsOwnResource() {
    RbacEvaluator status = rules(rule(List.of("g"), List.of("things/status"), List.of("patch")));
    assertThat(status.allowed(new Request("patch", "g", "things", "status", "x", NS))).isTrue();
    assertThat(status.allowed(new Request("patch", "g", "things", null, "x", NS))).isFalse();
    assertThat(status.allowed(new Request("patch", "g", "things", "scale", "x", NS))).isFalse();

    RbacEvaluator things = rules(rule(List.of("g"), List.of("things"), List.of("patch")));
    assertThat(things.allowed(new Request("patch", "g", "things", "status", "x", NS))).isFalse();

    RbacEvaluator anyStatus = rules(rule(List.of("g"), List.of("*/status"), List.of("patch")));
    assertThat(anyStatus.allowed(new Request("patch", "g", "others", "status", "x", NS))).isTrue();
    assertThat(anyStatus.allowed(new Request("patch", "g", "others", null, "x", NS))).isFalse();
  }

  @Test
  void groupsAreMatchedExactly() {
    RbacEvaluator core = rules(rule(List.of(""), List.of("events"), List.of("create")));
    assertThat(core.allowed(new Request("create", "", "events", null, null, NS))).isTrue();
    assertThat(core.allowed(new Request("create", "events.k8s.io", "events", null, null, NS)))
        .isFalse();
  }

  @Test
  void resourceNamesAllowOnlyNamedRequests() {
    RbacEvaluator named =
        rules(new Rule(List.of(""), List.of("secrets"), List.of("*"), List.of("a", "b")));
    assertThat(named.allowed(new Request("get", "", "secrets", null, "a", NS))).isTrue();
    assertThat(named.allowed(new Request("watch", "", "secrets", null, "b", NS))).isTrue();
    assertThat(named.allowed(new Request("get", "", "secrets", null, "c", NS))).isFalse();
    assertThat(named.allowed(new Request("list", "", "secrets", null, null, NS))).isFalse();
    assertThat(named.allowed(new Request("create", "", "secrets", null, null, NS))).isFalse();
    assertThat(named.allowed(new Request("list", "", "secrets", null, "", NS)))
        .as("an empty name is no name")
        .isFalse();
  }

  @Test
  void rulesAddUp() {
    RbacEvaluator two =
        rules(
            rule(List.of(""), List.of("secrets"), List.of("get")),
            rule(List.of(""), List.of("configmaps"), List.of("list")));
    assertThat(two.allowed(new Request("get", "", "secrets", null, "x", NS))).isTrue();
    assertThat(two.allowed(new Request("list", "", "configmaps", null, null, NS))).isTrue();
    assertThat(two.allowed(new Request("list", "", "secrets", null, null, NS))).isFalse();
    assertThat(two.allowed(new Request("get", "", "configmaps", null, "x", NS))).isFalse();
  }

  @Test
  void noRulesAllowNothing() {
    assertThat(rules().allowed(new Request("get", "", "secrets", null, "x", NS))).isFalse();
  }

  // Loading refuses what the API server would refuse.

  private static Path roleFile(Path dir, String rules) throws Exception {
    Path file = dir.resolve("role.yaml");
    Files.writeString(
        file,
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: CLUSTER_NAME\n"
            + "rules:\n"
            + rules,
        StandardCharsets.UTF_8);
    return file;
  }

  @Test
  void aRoleWithNonResourceUrlsIsRefused(@TempDir Path dir) throws Exception {
    Path file = roleFile(dir, "  - nonResourceURLs: [\"/metrics\"]\n    verbs: [\"get\"]\n");
    assertThatThrownBy(() -> RbacEvaluator.load(file, "mydb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("nonResourceURLs");
  }

  @Test
  void aMisspelledFieldIsRefused(@TempDir Path dir) throws Exception {
    Path file =
        roleFile(
            dir,
            """
              - apiGroups: [""]
                resources: [secrets]
                verbs: [get]
                resourceName: [CLUSTER_NAME-app]
            """);
    assertThatThrownBy(() -> RbacEvaluator.load(file, "mydb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("rules[0]")
        .hasMessageContaining("resourceName");
  }

  @Test
  void aRuleWithoutVerbsIsRefused(@TempDir Path dir) throws Exception {
    Path file = roleFile(dir, "  - apiGroups: [\"\"]\n    resources: [secrets]\n");
    assertThatThrownBy(() -> RbacEvaluator.load(file, "mydb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("verbs");
  }

  @Test
  void aFileWithoutARoleIsRefused() {
    assertThatThrownBy(
            () -> RbacEvaluator.load(Path.of("config/rbac/service_account.yaml"), "mydb"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no Role");
  }

  @Test
  void theRoleNamespaceIsHonoured(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("role.yaml");
    Files.writeString(
        file,
        """
        apiVersion: v1
        kind: ServiceAccount
        metadata:
          name: x
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: Role
        metadata:
          name: x
          namespace: db
        rules:
          - apiGroups: [""]
            resources: [secrets]
            verbs: [get]
        """,
        StandardCharsets.UTF_8);
    RbacEvaluator inDb = RbacEvaluator.load(file, "mydb");
    assertThat(inDb.allowed(new Request("get", "", "secrets", null, "x", "db"))).isTrue();
    assertThat(inDb.allowed(new Request("get", "", "secrets", null, "x", "other"))).isFalse();
  }
}
