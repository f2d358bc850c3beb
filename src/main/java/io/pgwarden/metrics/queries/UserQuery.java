package io.pgwarden.metrics.queries;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One query of a {@code queries.yaml} file.
 *
 * @param name the key of the query in the file
 * @param query the SQL returning the rows
 * @param columns the columns, in file order
 * @param primaryOnly runs only on the primary ({@code primary} or its alias {@code master})
 * @param runOnServer the server versions the query runs on
 * @param targetDatabases database names, {@code *} for every database the role can connect to, or
 *     Java regular expressions matched against the whole name; empty for the default database only
 * @param predicateQuery SQL returning one boolean: false or no rows skips the query
 * @param metricPrefix the prefix of the metric names: {@code name} when given, else the query's
 *     name
 * @param cacheSeconds how long a result is served without running the query again; 0 for no cache
 * @param line the line of the query in the file, for messages
 */
public record UserQuery(
    String name,
    String query,
    List<ColumnMapping> columns,
    boolean primaryOnly,
    VersionRange runOnServer,
    List<String> targetDatabases,
    Optional<String> predicateQuery,
    String metricPrefix,
    int cacheSeconds,
    int line) {

  /** Copies the lists so the record stays immutable. */
  public UserQuery {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(query, "query");
    Objects.requireNonNull(runOnServer, "runOnServer");
    Objects.requireNonNull(predicateQuery, "predicateQuery");
    Objects.requireNonNull(metricPrefix, "metricPrefix");
    columns = List.copyOf(columns);
    targetDatabases = List.copyOf(targetDatabases);
  }

  /** Whether the query names its databases, and so its metrics carry a {@code datname} label. */
  public boolean hasTargetDatabases() {
    return !targetDatabases.isEmpty();
  }
}
