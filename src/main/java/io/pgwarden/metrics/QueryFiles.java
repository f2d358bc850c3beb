package io.pgwarden.metrics;

import io.pgwarden.metrics.queries.DefaultQueries;
import io.pgwarden.metrics.queries.QueriesException;
import io.pgwarden.metrics.queries.QueriesParser;
import io.pgwarden.metrics.queries.UserQuery;
import io.pgwarden.source.Source;
import io.pgwarden.spec.MonitoringSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The monitoring queries a Cluster asks for: the defaults (unless disabled), then every query file
 * of {@code spec.monitoring} in order, a later query overriding an earlier one of the same name, as
 * CloudNativePG merges them.
 */
final class QueryFiles {
  private final Map<String, String> files;
  private final boolean defaults;

  private QueryFiles(Map<String, String> files, boolean defaults) {
    this.files = files;
    this.defaults = defaults;
  }

  /**
   * Reads the files {@code monitoring} names.
   *
   * @throws IOException naming the ConfigMap or Secret key that is missing
   */
  static QueryFiles read(MonitoringSpec monitoring, Source source) throws IOException {
    Map<String, String> files = new LinkedHashMap<>();
    for (MonitoringSpec.KeyRef ref : monitoring.customQueriesConfigMap()) {
      files.put(
          "ConfigMap " + ref.name() + "/" + ref.key(),
          text(source.configMap(ref.name(), ref.key()), "ConfigMap", ref));
    }
    for (MonitoringSpec.KeyRef ref : monitoring.customQueriesSecret()) {
      files.put(
          "Secret " + ref.name() + "/" + ref.key(),
          text(source.secret(ref.name(), ref.key()), "Secret", ref));
    }
    return new QueryFiles(files, !monitoring.disableDefaultQueries());
  }

  /** Equal for equal inputs: whether anything changed since the last load. */
  String fingerprint() {
    return "defaults=" + defaults + " " + files;
  }

  /** Where the queries come from, for a log line. */
  List<String> origins() {
    List<String> origins = new ArrayList<>();
    if (defaults) {
      origins.add("defaults");
    }
    origins.addAll(files.keySet());
    return origins;
  }

  /**
   * Parses every file and merges the queries.
   *
   * @throws QueriesException naming the file and the query that is refused
   */
  List<UserQuery> merged() throws QueriesException {
    Map<String, UserQuery> merged = new LinkedHashMap<>();
    if (defaults) {
      for (UserQuery q : DefaultQueries.load()) {
        merged.put(q.name(), q);
      }
    }
    for (Map.Entry<String, String> file : files.entrySet()) {
      for (UserQuery q : QueriesParser.parse(file.getKey(), file.getValue())) {
        merged.put(q.name(), q);
      }
    }
    return new ArrayList<>(merged.values());
  }

  private static String text(Optional<byte[]> value, String kind, MonitoringSpec.KeyRef ref)
      throws IOException {
    return new String(
        value.orElseThrow(
            () -> new IOException(kind + " " + ref.name() + " has no key " + ref.key())),
        StandardCharsets.UTF_8);
  }
}
