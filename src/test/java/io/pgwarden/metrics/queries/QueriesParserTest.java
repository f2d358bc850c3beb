package io.pgwarden.metrics.queries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QueriesParserTest {

  static String resource(String path) throws IOException {
    try (InputStream in = QueriesParserTest.class.getResourceAsStream("/metrics/" + path)) {
      assertThat(in).as(path).isNotNull();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void parsesEveryField() throws Exception {
    List<UserQuery> queries = QueriesParser.parse("good.yaml", resource("good.yaml"));

    assertThat(queries).extracting(UserQuery::name).containsExactly("pg_foo", "pg_bar");
    UserQuery foo = queries.get(0);
    assertThat(foo.primaryOnly()).isTrue();
    assertThat(foo.metricPrefix()).isEqualTo("foo");
    assertThat(foo.cacheSeconds()).isEqualTo(30);
    assertThat(foo.targetDatabases()).containsExactly("*", "app_.*");
    assertThat(foo.predicateQuery()).contains("SELECT true");
    assertThat(foo.runOnServer().containsServerVersionNum(110005)).isTrue();
    assertThat(foo.runOnServer().containsServerVersionNum(130000)).isFalse();
    assertThat(foo.runOnServer().containsServerVersionNum(160002)).isTrue();
    assertThat(foo.line()).isEqualTo(1);
    assertThat(foo.columns())
        .extracting(ColumnMapping::usage)
        .containsExactly(Usage.LABEL, Usage.GAUGE, Usage.MAPPEDMETRIC);
    assertThat(foo.columns().get(2).mapping()).containsEntry("on", 1.0).containsEntry("off", 0.0);
    UserQuery bar = queries.get(1);
    assertThat(bar.primaryOnly()).as("master is an alias of primary").isTrue();
    assertThat(bar.metricPrefix()).isEqualTo("pg_bar");
    assertThat(bar.line()).isEqualTo(22);
  }

  @Test
  void anEmptyFileHoldsNoQueries() throws Exception {
    assertThat(QueriesParser.parse("empty.yaml", "")).isEmpty();
    assertThat(QueriesParser.parse("empty.yaml", "# only a comment\n")).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "01-bad-indentation.yaml       | (line 3)| not valid YAML",
        "02-unknown-usage.yaml         | query pg_foo (line 7): metrics[1].bar.usage: unknown usage 'GUAGE'; one of"
            + " LABEL, COUNTER, GAUGE, MAPPEDMETRIC, DURATION, HISTOGRAM, DISCARD|",
        "03-missing-query.yaml         | query pg_foo (line 1): query: missing|",
        "04-metrics-not-list.yaml      | query pg_foo (line 3): metrics: must be a list|",
        "05-duplicate-column.yaml      | query pg_foo (line 6): metrics[1].a: duplicate column (first on line 4)|",
        "06-bad-runonserver.yaml       | query pg_foo (line 3): runonserver:|is not a version",
        "07-negative-cache.yaml        | query pg_foo (line 3): cache_seconds: -5 is out of range|",
        "08-root-not-map.yaml          | (line 1): the file must be a map|",
        "09-tabs.yaml                  | (line 2)| not valid YAML",
        "10-unknown-key.yaml           | query pg_foo (line 3): querry: unknown key|",
        "11-mapped-without-mapping.yaml| query pg_foo (line 4): metrics[0].a.metric_mapping: missing|",
        "12-duplicate-query.yaml       | (line 6): duplicate key 'pg_foo' (first on line 1)|",
        "13-bad-pattern.yaml           | query pg_foo (line 3): target_databases: 'app_(' is not a valid|",
        "14-primary-not-bool.yaml      | query pg_foo (line 3): primary: must be true or false|",
        "15-query-not-map.yaml         | query pg_foo (line 1): pg_foo: a query must be a map|",
        "16-unterminated-string.yaml   | (line |not valid YAML",
      })
  void refusesABadFileNamingFileQueryAndLine(String file, String expected, String alsoExpected) {
    String source = "custom-queries/" + file;
    assertThatThrownBy(() -> QueriesParser.parse(source, resource("bad/" + file)))
        .isInstanceOf(QueriesException.class)
        .hasMessageStartingWith(source)
        .hasMessageContaining(expected)
        .hasMessageContaining(alsoExpected == null ? "" : alsoExpected);
  }

  @Test
  void listsEveryProblemOfAFile() {
    String text =
        "a:\n  query: x\n  metrics:\n    - c:\n        usage: nope\nb:\n  metrics: []\n  cache_seconds: x\n";
    assertThatThrownBy(() -> QueriesParser.parse("f.yaml", text))
        .isInstanceOfSatisfying(
            QueriesException.class,
            e ->
                assertThat(e.problems())
                    .containsExactly(
                        "f.yaml: query a (line 5): metrics[0].c.usage: unknown usage 'nope'; one of LABEL,"
                            + " COUNTER, GAUGE, MAPPEDMETRIC, DURATION, HISTOGRAM, DISCARD",
                        "f.yaml: query b (line 6): query: missing; the SQL to run",
                        "f.yaml: query b (line 8): cache_seconds: must be a whole number of seconds, not a"
                            + " string"));
  }

  @Test
  void refusesAHugeFile() {
    StringBuilder text = new StringBuilder();
    for (int i = 0; text.length() <= QueriesParser.MAX_CHARS; i++) {
      text.append("q")
          .append(i)
          .append(":\n  query: SELECT 1 AS a\n  metrics:\n    - a: {usage: GAUGE}\n");
    }
    assertThatThrownBy(() -> QueriesParser.parse("huge.yaml", text.toString()))
        .hasMessageStartingWith("huge.yaml (line 1): the file has")
        .hasMessageContaining("over the limit");
  }

  @Test
  void parsesAFileJustUnderTheLimit() throws Exception {
    StringBuilder text = new StringBuilder();
    int i = 0;
    String one = "q%06d:\n  query: SELECT 1 AS a\n  metrics:\n    - a: {usage: GAUGE}\n";
    while (text.length() + one.length() + 1 < QueriesParser.MAX_CHARS / 4) {
      text.append(String.format(java.util.Locale.ROOT, one, i++));
    }
    assertThat(QueriesParser.parse("big.yaml", text.toString())).hasSize(i);
  }

  @Test
  void patternsAreEntriesWithRegexMetacharacters() {
    assertThat(QueriesParser.isPattern("app_.*")).isTrue();
    assertThat(QueriesParser.isPattern("tenant[0-9]+")).isTrue();
    assertThat(QueriesParser.isPattern("app_db")).isFalse();
    assertThat(QueriesParser.isPattern("*")).isFalse();
  }
}
