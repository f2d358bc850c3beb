package io.pgwarden.sql;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RolesTest {
  @Test
  void quoteIdentWrapsInDoubleQuotes() {
    assertThat(Roles.quoteIdent("app")).isEqualTo("\"app\"");
    assertThat(Roles.quoteIdent("")).isEqualTo("\"\"");
    assertThat(Roles.quoteIdent("My Role")).isEqualTo("\"My Role\"");
  }

  @Test
  void quoteIdentDoublesInnerDoubleQuotes() {
    assertThat(Roles.quoteIdent("a\"b")).isEqualTo("\"a\"\"b\"");
    assertThat(Roles.quoteIdent("\"; DROP ROLE postgres; --"))
        .isEqualTo("\"\"\"; DROP ROLE postgres; --\"");
    assertThat(Roles.quoteIdent("\"\"")).isEqualTo("\"\"\"\"\"\"");
  }

  @Test
  void quoteIdentLeavesSingleQuotesAlone() {
    assertThat(Roles.quoteIdent("o'neil")).isEqualTo("\"o'neil\"");
  }

  @Test
  void quoteIdentRefusesNul() {
    assertThatThrownBy(() -> Roles.quoteIdent("a\0b"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL");
  }

  @Test
  void quoteLiteralWrapsInSingleQuotes() {
    assertThat(Roles.quoteLiteral("secret")).isEqualTo("'secret'");
    assertThat(Roles.quoteLiteral("")).isEqualTo("''");
  }

  @Test
  void quoteLiteralDoublesInnerSingleQuotes() {
    assertThat(Roles.quoteLiteral("it's")).isEqualTo("'it''s'");
    assertThat(Roles.quoteLiteral("'; DROP ROLE app; --")).isEqualTo("'''; DROP ROLE app; --'");
  }

  @Test
  void quoteLiteralKeepsBackslashesAndDoubleQuotes() {
    // standard_conforming_strings = on: a backslash is an ordinary character.
    assertThat(Roles.quoteLiteral("a\\b\"c")).isEqualTo("'a\\b\"c'");
    assertThat(Roles.quoteLiteral("SCRAM-SHA-256$4096:c2FsdA==$a:b"))
        .isEqualTo("'SCRAM-SHA-256$4096:c2FsdA==$a:b'");
  }

  @Test
  void quoteLiteralRefusesNul() {
    assertThatThrownBy(() -> Roles.quoteLiteral("x\0"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL");
  }
}
