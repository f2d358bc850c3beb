package io.pgwarden.pgconf;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Renders pg_ident.conf: pgwarden's fixed user maps, then the user's. Each line is {@code MAPNAME
 * SYSTEM-USERNAME PG-USERNAME}.
 */
public final class IdentConf {
  /** A plain operating-system user name: nothing postgres' tokenizer would treat specially. */
  private static final Pattern OS_USER = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");

  private static final String USER_FIELD = "spec.postgresql.pg_ident";

  private IdentConf() {}

  /**
   * Renders pg_ident.conf. Refused user mappings are left out and listed in {@link
   * Rendered#refused()}.
   *
   * @throws InvalidConfigurationException when {@code osUser}, which pgwarden supplies, is not a
   *     plain user name
   */
  public static Rendered render(IdentInput input) {
    if (!OS_USER.matcher(input.osUser()).matches()) {
      throw new InvalidConfigurationException(
          "osUser",
          "operating-system user "
              + ConfigLiteral.printable(input.osUser())
              + " is not a plain user name; run postgres as a user named with letters, digits,"
              + " '_', '.' or '-'");
    }
    List<InvalidConfigurationException> refused = new ArrayList<>();
    StringBuilder text = new StringBuilder(CustomConf.HEADER).append('\n');
    HbaConf.section(text, "FIXED RULES")
        .append("local ")
        .append(input.osUser())
        .append(" postgres\n")
        .append("cnpg_streaming_replica streaming_replica streaming_replica\n")
        .append("cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer\n")
        .append("cnpg_metrics_exporter ")
        .append(input.osUser())
        .append(" cnpg_metrics_exporter\n");
    HbaConf.section(text, "USER-DEFINED RULES");
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
    String rendered = text.toString();
    return new Rendered(rendered, Sha256.hex(rendered), refused);
  }

  private static void check(String field, String rule) {
    List<List<AuthFileLine.Token>> fields = AuthFileLine.fields(field, rule);
    // parse_ident_line refuses missing fields and comma lists (IDENT_FIELD_ABSENT,
    // IDENT_MULTI_VALUE); pgwarden also refuses extra fields, which postgres would ignore.
    if (fields.size() != 3 || fields.stream().anyMatch(tokens -> tokens.size() != 1)) {
      throw new InvalidConfigurationException(
          field,
          "mapping must be exactly three single names, MAPNAME SYSTEM-USERNAME PG-USERNAME"
              + " (quote a name that contains blanks or commas)");
    }
  }
}
