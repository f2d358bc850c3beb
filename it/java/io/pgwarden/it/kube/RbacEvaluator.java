package io.pgwarden.it.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Decides what a Kubernetes Role allows, with the RBAC authorizer's rules ({@code RuleAllows} in
 * {@code k8s.io/kubernetes/pkg/apis/rbac/v1/evaluation_helpers.go}), so that tests can check the
 * Role in {@code config/rbac} against the requests pgwarden makes without an API server.
 *
 * <p>A rule allows a request when its {@code verbs}, {@code apiGroups} and {@code resources} each
 * hold the request's value or {@code *}, and its {@code resourceNames} are empty or hold the
 * request's name. A subresource is matched by {@code resource/subresource} or <code>
 * &#42;/subresource
 * </code>. A request without a name (create, a list or watch that does not select one object by
 * {@code metadata.name}) is allowed only by a rule without resourceNames. A Role grants nothing
 * outside its namespace and nothing cluster-scoped.
 */
public final class RbacEvaluator {
  /** The placeholder the YAML in {@code config/} carries in place of the cluster's name. */
  public static final String PLACEHOLDER = "CLUSTER_NAME";

  private static final String RBAC_API_VERSION = "rbac.authorization.k8s.io/v1";
  private static final String ALL = "*";
  private static final Set<String> RULE_FIELDS =
      Set.of("apiGroups", "resources", "verbs", "resourceNames", "nonResourceURLs");

  /** What pgwarden's CLUSTER_NAME must be: a DNS-1035 label, as {@code SpecParser} checks. */
  private static final Pattern CLUSTER_NAME = Pattern.compile("[a-z]([-a-z0-9]{0,48}[a-z0-9])?");

  /**
   * The attributes RBAC decides on, as the API server's RequestInfo resolver derives them from an
   * HTTP request ({@link RequestInfoResolver}).
   *
   * @param verb get, list, watch, create, update, patch, delete, deletecollection, …
   * @param apiGroup {@code ""} for the core group
   * @param resource plural, lower case: {@code secrets}, {@code clusters}
   * @param subresource {@code status}, or null
   * @param name the object's name, or null when the request names none
   * @param namespace null for a cluster-scoped request
   */
  public record Request(
      String verb,
      String apiGroup,
      String resource,
      String subresource,
      String name,
      String namespace) {
    public Request {
      Objects.requireNonNull(verb, "verb");
      Objects.requireNonNull(apiGroup, "apiGroup (\"\" for the core group)");
      Objects.requireNonNull(resource, "resource");
      subresource = emptyToNull(subresource);
      name = emptyToNull(name);
      namespace = emptyToNull(namespace);
    }

    /** {@code resource} or {@code resource/subresource}, as rules name it. */
    public String combinedResource() {
      return subresource == null ? resource : resource + "/" + subresource;
    }

    private static String emptyToNull(String s) {
      return s == null || s.isEmpty() ? null : s;
    }
  }

  /** One {@code rules[]} entry of a Role. */
  public record Rule(
      List<String> apiGroups,
      List<String> resources,
      List<String> verbs,
      List<String> resourceNames) {
    public Rule {
      apiGroups = List.copyOf(apiGroups);
      resources = List.copyOf(resources);
      verbs = List.copyOf(verbs);
      resourceNames = List.copyOf(resourceNames);
    }

    /** {@code RuleAllows}: verb, group, resource and name all match. */
    public boolean allows(Request r) {
      return matches(verbs, r.verb())
          && matches(apiGroups, r.apiGroup())
          && resourceMatches(r)
          && (resourceNames.isEmpty() || (r.name() != null && resourceNames.contains(r.name())));
    }

    private boolean resourceMatches(Request r) {
      String combined = r.combinedResource();
      for (String resource : resources) {
        if (resource.equals(ALL) || resource.equals(combined)) {
          return true;
        }
        if (r.subresource() != null && resource.equals("*/" + r.subresource())) {
          return true;
        }
      }
      return false;
    }

    private static boolean matches(List<String> values, String value) {
      return values.contains(ALL) || values.contains(value);
    }
  }

  private final List<Rule> rules;
  private final String namespace;

  private RbacEvaluator(List<Rule> rules, String namespace) {
    this.rules = List.copyOf(rules);
    this.namespace = namespace;
  }

  /** An evaluator of these rules in any one namespace. */
  public static RbacEvaluator of(List<Rule> rules) {
    return new RbacEvaluator(rules, null);
  }

  /**
   * Loads the Role in {@code roleYaml} (one or more YAML documents, one of them a Role) with every
   * {@value #PLACEHOLDER} replaced by {@code clusterName}, as {@code sed s/CLUSTER_NAME/<c>/g}
   * does. The Role applies in its {@code metadata.namespace}, or in any one namespace when it has
   * none (it is then applied with {@code kubectl apply -n}).
   *
   * @throws IllegalArgumentException when the file holds no Role, or a rule the API server would
   *     refuse (no verbs, no resources, nonResourceURLs in a Role, an unknown field)
   */
  public static RbacEvaluator load(Path roleYaml, String clusterName) throws IOException {
    if (!CLUSTER_NAME.matcher(clusterName).matches()) {
      throw new IllegalArgumentException(
          "cluster name '" + clusterName + "' is not a DNS-1035 label of at most 50 characters");
    }
    String yaml =
        Files.readString(roleYaml, StandardCharsets.UTF_8).replace(PLACEHOLDER, clusterName);
    JsonNode role = null;
    try (MappingIterator<JsonNode> docs =
        new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
      while (docs.hasNext()) {
        JsonNode doc = docs.next();
        if (doc != null && "Role".equals(doc.path("kind").asText())) {
          if (role != null) {
            throw new IllegalArgumentException(roleYaml + " holds more than one Role");
          }
          role = doc;
        }
      }
    }
    if (role == null) {
      throw new IllegalArgumentException(roleYaml + " holds no Role");
    }
    if (!RBAC_API_VERSION.equals(role.path("apiVersion").asText())) {
      throw new IllegalArgumentException(
          roleYaml + ": apiVersion is '" + role.path("apiVersion").asText() + "'");
    }
    List<Rule> rules = new ArrayList<>();
    JsonNode ruleNodes = role.path("rules");
    for (int i = 0; i < ruleNodes.size(); i++) {
      rules.add(rule(ruleNodes.get(i), roleYaml + ": rules[" + i + "]"));
    }
    String ns = role.path("metadata").path("namespace").asText(null);
    return new RbacEvaluator(rules, ns);
  }

  private static Rule rule(JsonNode node, String where) {
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      if (!RULE_FIELDS.contains(field.getKey())) {
        throw new IllegalArgumentException(where + ": unknown field " + field.getKey());
      }
    }
    if (node.has("nonResourceURLs")) {
      throw new IllegalArgumentException(where + ": a Role cannot grant nonResourceURLs");
    }
    Rule rule =
        new Rule(
            strings(node, "apiGroups", where),
            strings(node, "resources", where),
            strings(node, "verbs", where),
            strings(node, "resourceNames", where));
    if (rule.verbs().isEmpty() || rule.resources().isEmpty() || rule.apiGroups().isEmpty()) {
      throw new IllegalArgumentException(where + ": needs verbs, apiGroups and resources");
    }
    return rule;
  }

  private static List<String> strings(JsonNode node, String field, String where) {
    JsonNode list = node.path(field);
    if (list.isMissingNode() || list.isNull()) {
      return List.of();
    }
    if (!list.isArray()) {
      throw new IllegalArgumentException(where + "." + field + " is not a list");
    }
    List<String> values = new ArrayList<>();
    for (JsonNode value : list) {
      if (!value.isTextual()) {
        throw new IllegalArgumentException(where + "." + field + " holds " + value);
      }
      values.add(value.asText());
    }
    return values;
  }

  /** The same rules, applying in {@code namespace} only. */
  public RbacEvaluator inNamespace(String namespace) {
    return new RbacEvaluator(rules, Objects.requireNonNull(namespace, "namespace"));
  }

  public List<Rule> rules() {
    return rules;
  }

  /** Whether the Role allows the request: some rule allows it, in the Role's namespace. */
  public boolean allowed(Request request) {
    if (request.namespace() == null) {
      return false; // a Role never grants a cluster-scoped request
    }
    if (namespace != null && !namespace.equals(request.namespace())) {
      return false;
    }
    for (Rule rule : rules) {
      if (rule.allows(request)) {
        return true;
      }
    }
    return false;
  }
}
