package io.pgwarden.pgconf;

import java.util.List;
import java.util.Objects;

/**
 * What pg_ident.conf is rendered from.
 *
 * @param osUser the operating-system user postgres runs as, mapped to the {@code postgres} role
 * @param userRules {@code spec.postgresql.pg_ident}, untrusted, one {@code MAPNAME SYSTEM-USERNAME
 *     PG-USERNAME} mapping an entry
 */
public record IdentInput(String osUser, List<String> userRules) {
  public IdentInput {
    Objects.requireNonNull(osUser, "osUser");
    userRules = List.copyOf(userRules);
  }
}
