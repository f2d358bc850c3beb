package io.pgwarden.metrics.queries;

import io.pgwarden.metrics.queries.YamlTree.Node;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Collectors;

/**
 * Parses the postgres_exporter / CloudNativePG {@code queries.yaml} format: a map of query name to
 * {@code query}, {@code metrics}, {@code primary} (alias {@code master}), {@code runonserver},
 * {@code target_databases}, {@code predicate_query}, {@code name} and {@code cache_seconds}.
 *
 * <p>A file with any problem is refused whole, with every problem listed, each naming the file, the
 * query and the line: the caller keeps the queries it had. An empty file holds no queries.
 *
 * <p>A {@code target_databases} entry is a database name, {@code *} for every database the role can
 * connect to, or, when it holds a regular expression metacharacter ({@code \ ^ $ . | ? + ( ) [ ] {
 * }}), a Java regular expression that must match the whole database name.
 */
public final class QueriesParser {
  /** Longer files are refused: a queries file is a few hundred lines. */
  public static final int MAX_CHARS = 1 << 20;

  private static final Set<String> QUERY_KEYS =
      Set.of(
          "query",
          "metrics",
          "primary",
          "master",
          "runonserver",
          "target_databases",
          "predicate_query",
          "name",
          "cache_seconds");
  private static final Set<String> COLUMN_KEYS =
      Set.of("usage", "description", "metric_mapping", "buckets");
  private static final Pattern REGEX_META = Pattern.compile("[\\\\^$.|?+()\\[\\]{}]");
  private static final String USAGES =
      Arrays.stream(Usage.values()).map(Usage::name).collect(Collectors.joining(", "));

  private QueriesParser() {}

  /**
   * Parses a file.
   *
   * @param source the file's name for messages, e.g. {@code custom-queries/queries.yaml}
   * @param text the file's content
   * @return the queries in file order
   * @throws QueriesException listing every problem; the file is refused whole
   */
  public static List<UserQuery> parse(String source, String text) throws QueriesException {
    if (text.length() > MAX_CHARS) {
      throw new QueriesException(
          List.of(
              source
                  + " (line 1): the file has "
                  + text.length()
                  + " characters, over the limit of "
                  + MAX_CHARS
                  + "; split it or remove queries"));
    }
    Node root;
    try {
      root = YamlTree.read(text);
    } catch (YamlTree.SyntaxException e) {
      throw new QueriesException(List.of(source + " (line " + e.line() + "): " + e.getMessage()));
    }
    if (root.value() == null) {
      return List.of();
    }
    if (!root.isMap()) {
      throw new QueriesException(
          List.of(
              source
                  + " (line "
                  + root.line()
                  + "): the file must be a map of query name to query, not "
                  + root.kind()));
    }
    List<String> problems = new ArrayList<>();
    List<UserQuery> queries = new ArrayList<>();
    for (Map.Entry<String, Node> entry : root.map().entrySet()) {
      Problems p = new Problems(source, entry.getKey(), entry.getValue().line(), problems);
      UserQuery query = parseQuery(entry.getKey(), entry.getValue(), p);
      if (query != null) {
        queries.add(query);
      }
    }
    if (!problems.isEmpty()) {
      throw new QueriesException(problems);
    }
    return List.copyOf(queries);
  }

  /** Collects problems about one query, each prefixed with the file, the query and its line. */
  private record Problems(String source, String query, int queryLine, List<String> all) {
    void add(Node at, String path, String message) {
      int line = at == null ? queryLine : at.line();
      all.add(source + ": query " + query + " (line " + line + "): " + path + ": " + message);
    }
  }

  private static UserQuery parseQuery(String name, Node node, Problems p) {
    int before = p.all().size();
    if (!node.isMap()) {
      p.add(node, name, "a query must be a map with 'query' and 'metrics', not " + node.kind());
      return null;
    }
    Map<String, Node> fields = node.map();
    for (Map.Entry<String, Node> field : fields.entrySet()) {
      if (!QUERY_KEYS.contains(field.getKey())) {
        p.add(
            field.getValue(),
            field.getKey(),
            "unknown key; one of " + String.join(", ", QUERY_KEYS.stream().sorted().toList()));
      }
    }
    String sql = requiredString(fields, "query", node, p);
    List<ColumnMapping> columns = parseColumns(fields.get("metrics"), node, p);
    boolean primary =
        bool(fields.get("primary"), "primary", p) || bool(fields.get("master"), "master", p);
    VersionRange range = VersionRange.ANY;
    String runOnServer = optionalString(fields.get("runonserver"), "runonserver", p);
    if (runOnServer != null) {
      try {
        range = VersionRange.parse(runOnServer);
      } catch (IllegalArgumentException e) {
        p.add(fields.get("runonserver"), "runonserver", e.getMessage());
      }
    }
    List<String> targets = parseTargets(fields.get("target_databases"), p);
    String predicate = optionalString(fields.get("predicate_query"), "predicate_query", p);
    String prefix = optionalString(fields.get("name"), "name", p);
    int cacheSeconds = 0;
    Node cache = fields.get("cache_seconds");
    if (cache != null) {
      if (cache.value() instanceof Integer || cache.value() instanceof Long) {
        long value = ((Number) cache.value()).longValue();
        if (value < 0 || value > 86_400) {
          p.add(cache, "cache_seconds", value + " is out of range; 0 (no cache) to 86400");
        } else {
          cacheSeconds = (int) value;
        }
      } else {
        p.add(cache, "cache_seconds", "must be a whole number of seconds, not " + cache.kind());
      }
    }
    if (p.all().size() > before) {
      return null;
    }
    return new UserQuery(
        name,
        sql,
        columns,
        primary,
        range,
        targets,
        Optional.ofNullable(predicate).filter(s -> !s.isBlank()),
        prefix == null || prefix.isBlank() ? name : prefix,
        cacheSeconds,
        node.line());
  }

  private static List<ColumnMapping> parseColumns(Node metrics, Node query, Problems p) {
    if (metrics == null) {
      p.add(query, "metrics", "missing; a list of {column: {usage, description}}");
      return List.of();
    }
    if (!metrics.isList()) {
      p.add(
          metrics,
          "metrics",
          "must be a list of {column: {usage, description}}, not " + metrics.kind());
      return List.of();
    }
    List<ColumnMapping> columns = new ArrayList<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    List<Node> items = metrics.list();
    for (int i = 0; i < items.size(); i++) {
      Node item = items.get(i);
      String itemPath = "metrics[" + i + "]";
      if (!item.isMap() || item.map().size() != 1) {
        p.add(item, itemPath, "must be a map with exactly one column name, not " + describe(item));
        continue;
      }
      Map.Entry<String, Node> only = item.map().entrySet().iterator().next();
      String column = only.getKey();
      String path = itemPath + "." + column;
      Integer previous = seen.putIfAbsent(column, only.getValue().line());
      if (previous != null) {
        p.add(only.getValue(), path, "duplicate column (first on line " + previous + ")");
        continue;
      }
      ColumnMapping mapping = parseColumn(column, only.getValue(), path, p);
      if (mapping != null) {
        columns.add(mapping);
      }
    }
    return columns;
  }

  private static String describe(Node node) {
    return node.isMap() ? "a map of " + node.map().size() + " keys" : node.kind();
  }

  private static ColumnMapping parseColumn(String column, Node node, String path, Problems p) {
    if (!node.isMap()) {
      p.add(node, path, "must be a map with 'usage' and 'description', not " + node.kind());
      return null;
    }
    Map<String, Node> fields = node.map();
    for (Map.Entry<String, Node> field : fields.entrySet()) {
      if (!COLUMN_KEYS.contains(field.getKey())) {
        p.add(
            field.getValue(),
            path + "." + field.getKey(),
            "unknown key; one of " + String.join(", ", COLUMN_KEYS.stream().sorted().toList()));
      }
    }
    Node usageNode = fields.get("usage");
    Usage usage = null;
    if (usageNode == null) {
      p.add(node, path + ".usage", "missing; one of " + USAGES);
    } else if (!(usageNode.value() instanceof String text)) {
      p.add(usageNode, path + ".usage", "must be a string, one of " + USAGES);
    } else {
      try {
        usage = Usage.valueOf(text.strip().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        p.add(usageNode, path + ".usage", "unknown usage '" + text + "'; one of " + USAGES);
      }
    }
    String description = optionalString(fields.get("description"), path + ".description", p);
    Map<String, Double> mapping = new LinkedHashMap<>();
    Node mappingNode = fields.get("metric_mapping");
    if (mappingNode != null) {
      if (!mappingNode.isMap()) {
        p.add(
            mappingNode,
            path + ".metric_mapping",
            "must be a map of text to number, not " + mappingNode.kind());
      } else {
        for (Map.Entry<String, Node> e : mappingNode.map().entrySet()) {
          if (e.getValue().value() instanceof Number n) {
            mapping.put(e.getKey(), n.doubleValue());
          } else {
            p.add(
                e.getValue(),
                path + ".metric_mapping." + e.getKey(),
                "must be a number, not " + e.getValue().kind());
          }
        }
      }
    }
    if (usage == Usage.MAPPEDMETRIC && mappingNode == null) {
      p.add(node, path + ".metric_mapping", "missing; MAPPEDMETRIC needs a map of text to number");
    }
    List<Double> buckets = new ArrayList<>();
    Node bucketsNode = fields.get("buckets");
    if (bucketsNode != null) {
      if (!bucketsNode.isList()) {
        p.add(
            bucketsNode, path + ".buckets", "must be a list of numbers, not " + bucketsNode.kind());
      } else {
        for (Node b : bucketsNode.list()) {
          if (b.value() instanceof Number n) {
            buckets.add(n.doubleValue());
          } else {
            p.add(b, path + ".buckets", "must be a list of numbers, found " + b.kind());
          }
        }
      }
    }
    if (usage == null) {
      return null;
    }
    return new ColumnMapping(column, usage, description, mapping, buckets);
  }

  private static List<String> parseTargets(Node node, Problems p) {
    if (node == null) {
      return List.of();
    }
    if (!node.isList()) {
      p.add(
          node,
          "target_databases",
          "must be a list of database names, '*' or patterns, not " + node.kind());
      return List.of();
    }
    List<String> targets = new ArrayList<>();
    for (Node item : node.list()) {
      if (!(item.value() instanceof String text) || text.isBlank()) {
        p.add(item, "target_databases", "entries must be database names, not " + item.kind());
        continue;
      }
      if (isPattern(text)) {
        try {
          Pattern.compile(text);
        } catch (PatternSyntaxException e) {
          p.add(
              item,
              "target_databases",
              "'" + text + "' is not a valid regular expression: " + e.getDescription());
          continue;
        }
      }
      targets.add(text);
    }
    return targets;
  }

  /**
   * Whether a {@code target_databases} entry is a regular expression rather than a name or {@code
   * *}.
   */
  static boolean isPattern(String entry) {
    return REGEX_META.matcher(entry).find();
  }

  private static String requiredString(
      Map<String, Node> fields, String key, Node query, Problems p) {
    Node node = fields.get(key);
    if (node == null) {
      p.add(query, key, "missing; the SQL to run");
      return "";
    }
    String value = optionalString(node, key, p);
    if (value != null && value.isBlank()) {
      p.add(node, key, "must not be empty");
    }
    return value == null ? "" : value;
  }

  private static String optionalString(Node node, String path, Problems p) {
    if (node == null || node.value() == null) {
      return null;
    }
    if (node.value() instanceof String s) {
      return s;
    }
    p.add(node, path, "must be a string, not " + node.kind());
    return null;
  }

  private static boolean bool(Node node, String path, Problems p) {
    if (node == null || node.value() == null) {
      return false;
    }
    if (node.value() instanceof Boolean b) {
      return b;
    }
    p.add(node, path, "must be true or false, not " + node.kind());
    return false;
  }
}
