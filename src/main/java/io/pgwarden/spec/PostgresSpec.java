package io.pgwarden.spec;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** {@code spec.postgresql}: parameters, pg_hba and pg_ident lines, preloaded libraries. */
@JsonIgnoreProperties({
  "syncReplicaElectionConstraint",
  "ldap",
  "promotionTimeout",
  "enableAlterSystem",
  "synchronous",
  "extensions"
})
public record PostgresSpec(
    Map<String, String> parameters,
    @JsonProperty("pg_hba") List<String> pgHba,
    @JsonProperty("pg_ident") List<String> pgIdent,
    @JsonProperty("shared_preload_libraries") List<String> sharedPreloadLibraries) {

  public PostgresSpec {
    parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
    pgHba = pgHba == null ? List.of() : List.copyOf(pgHba);
    pgIdent = pgIdent == null ? List.of() : List.copyOf(pgIdent);
    sharedPreloadLibraries =
        sharedPreloadLibraries == null ? List.of() : List.copyOf(sharedPreloadLibraries);
  }

  public static PostgresSpec defaults() {
    return new PostgresSpec(null, null, null, null);
  }
}
