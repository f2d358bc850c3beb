package io.pgwarden.pgconf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLiteralTest {
  private static final String F = "spec.postgresql.parameters.x";

  @Test
  void doublesQuotesAndBackslashes() {
    assertThat(ConfigLiteral.quote(F, "it's")).isEqualTo("'it''s'");
    assertThat(ConfigLiteral.quote(F, "a\\b")).isEqualTo("'a\\\\b'");
    assertThat(ConfigLiteral.quote(F, "")).isEqualTo("''");
    assertThat(ConfigLiteral.quote(F, "tab\there")).isEqualTo("'tab\there'");
  }

  @Test
  void quotedValueReadsBackVerbatim() {
    String v = "\\n' # include 'x' \\'' \\\\ é 😀";
    assertThat(GucFileReader.read("x = " + ConfigLiteral.quote(F, v)))
        .containsExactly(new GucFileReader.Directive("x", v, false));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"a\nb", "a\rb", "a\u0000b", "\u0085", "\u2028", "\u2029", "\u007f", "\u001b"})
  void refusesLineBreaksAndControlCharactersNamingTheField(String value) {
    assertThatThrownBy(() -> ConfigLiteral.quote(F, value))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageStartingWith(F + ": value contains the character U+")
        .satisfies(e -> assertThat(((InvalidConfigurationException) e).field()).isEqualTo(F));
  }

  @Test
  void refusesLoneSurrogate() {
    assertThatThrownBy(() -> ConfigLiteral.quote(F, "a\uD800b"))
        .isInstanceOf(InvalidConfigurationException.class);
  }

  @Test
  void namesAreLowercasedAndChecked() {
    assertThat(ConfigLiteral.validName(F, "Work_Mem")).isEqualTo("work_mem");
    assertThat(ConfigLiteral.validName(F, "pg_stat_statements.max"))
        .isEqualTo("pg_stat_statements.max");
    assertThat(ConfigLiteral.validName(F, "_x9")).isEqualTo("_x9");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "9lives",
        "a.b.c",
        "a.9b",
        "a b",
        "a=b",
        "a\nb",
        "work_mem = '1GB'\nport",
        "include",
        "INCLUDE_DIR",
        "include_if_exists",
        "é"
      })
  void refusesBadNamesNamingTheField(String name) {
    assertThatThrownBy(() -> ConfigLiteral.validName(F, name))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageStartingWith(F + ": ")
        .hasMessageNotContaining("\n");
  }

  @Test
  void printableIsOneBoundedLine() {
    String p = ConfigLiteral.printable("a\nb".repeat(100));
    assertThat(p).doesNotContain("\n").contains("\\u000a").contains("(300 characters)");
  }
}
