package io.pgwarden.pgconf;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PostgresqlConfTest {
  @Test
  void appendsIncludesToAFileWithoutTrailingNewline() {
    assertThat(PostgresqlConf.withIncludes("a = 1"))
        .isEqualTo("a = 1\ninclude 'custom.conf'\ninclude 'override.conf'\n");
  }

  @Test
  void emptyFileGetsJustTheIncludes() {
    assertThat(PostgresqlConf.withIncludes("")).isEqualTo(PostgresqlConf.INCLUDES);
  }

  @Test
  void removesEarlierCopiesOnlyOfItsOwnIncludes() {
    String in =
        """
        include 'override.conf'
        include 'other.conf'
          INCLUDE='custom.conf'  # old
        # include 'custom.conf'
        """;
    assertThat(PostgresqlConf.withIncludes(in))
        .isEqualTo("include 'other.conf'\n# include 'custom.conf'\n" + PostgresqlConf.INCLUDES);
  }
}
