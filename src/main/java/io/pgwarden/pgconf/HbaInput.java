package io.pgwarden.pgconf;

import java.util.List;

/**
 * What pg_hba.conf is rendered from.
 *
 * @param userRules {@code spec.postgresql.pg_hba}, untrusted, one rule an entry
 * @param allowPlaintext when false (the default), connections without TLS are rejected before any
 *     user rule is consulted
 */
public record HbaInput(List<String> userRules, boolean allowPlaintext) {
  public HbaInput {
    userRules = List.copyOf(userRules);
  }
}
