package io.pgwarden.pgconf;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Renders pg_hba.conf in sections, first match wins: pgwarden's fixed rules, the rejection of
 * plaintext connections (pgwarden's default beyond CloudNativePG), the user's rules, and the
 * default password rule.
 */
public final class HbaConf {
  static final String FIXED_RULES =
      """
      local all cnpg_metrics_exporter peer map=cnpg_metrics_exporter
      local all all peer map=local
      hostssl postgres streaming_replica all cert map=cnpg_streaming_replica
      hostssl replication streaming_replica all cert map=cnpg_streaming_replica
      hostssl all cnpg_pooler_pgbouncer all cert map=cnpg_pooler_pgbouncer
      """;

  static final String PLAINTEXT_REJECTED = "hostnossl all all all reject\n";

  static final String DEFAULT_RULES = "host all all all scram-sha-256\n";

  private static final Set<String> CONNECTION_TYPES =
      Set.of("local", "host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc");

  private static final String USER_FIELD = "spec.postgresql.pg_hba";

  private HbaConf() {}

  /**
   * Renders pg_hba.conf. Refused user rules are left out and listed in {@link Rendered#refused()};
   * the accepted ones keep their order.
   */
  public static Rendered render(HbaInput input) {
    List<InvalidConfigurationException> refused = new ArrayList<>();
    StringBuilder text = new StringBuilder(CustomConf.HEADER).append('\n');
    section(text, "FIXED RULES").append(FIXED_RULES);
    if (!input.allowPlaintext()) {
      section(text, "PLAINTEXT REJECTED").append(PLAINTEXT_REJECTED);
    }
    section(text, "USER-DEFINED RULES");
    List<String> rules = input.userRules();
    for (int i = 0; i < rules.size(); i++) {
      String field = USER_FIELD + "[" + i + "]";
      try {
        check(field, rules.get(i));
        text.append(rules.get(i)).append('\n');
      } catch (InvalidConfigurationException refusal) {
        refused.add(refusal);
      }
    }
    section(text, "DEFAULT RULES").append(DEFAULT_RULES);
    String rendered = text.toString();
    return new Rendered(rendered, Sha256.hex(rendered), refused);
  }

  /** The {@code #} banner that opens each section, after a blank line. */
  static StringBuilder section(StringBuilder text, String title) {
    return text.append("\n#\n# ").append(title).append("\n#\n");
  }

  private static void check(String field, String rule) {
    List<List<AuthFileLine.Token>> fields = AuthFileLine.fields(field, rule);
    List<AuthFileLine.Token> type = fields.get(0);
    if (type.size() != 1
        || type.get(0).quoted()
        || !CONNECTION_TYPES.contains(type.get(0).text())) {
      throw new InvalidConfigurationException(
          field,
          "rule must start with one of local, host, hostssl, hostnossl, hostgssenc, hostnogssenc;"
              + " it starts with "
              + ConfigLiteral.printable(type.get(0).text()));
    }
    // local: type, database, user, method; host*: type, database, user, address, method.
    int minimum = type.get(0).text().equals("local") ? 4 : 5;
    if (fields.size() < minimum) {
      throw new InvalidConfigurationException(
          field,
          "rule has "
              + fields.size()
              + " fields, fewer than the "
              + minimum
              + " a '"
              + type.get(0).text()
              + "' rule needs; write it in full, e.g. 'hostssl all all 0.0.0.0/0 scram-sha-256'");
    }
  }
}
