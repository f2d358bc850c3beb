package io.pgwarden.pgconf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each renderer against a checked-in golden file, compared by meaning. */
class GoldenTest {
  @Test
  void customConfMatchesGoldenByMeaning() {
    Rendered r = CustomConf.render(Golden.configInput(Golden.sampleParameters()));
    assertThat(r.refused()).isEmpty();
    assertThat(GucFileReader.read(r.text()))
        .containsExactlyElementsOf(GucFileReader.read(Golden.load("custom.conf")));
    List<GucFileReader.Directive> directives = GucFileReader.read(r.text());
    assertThat(directives.get(directives.size() - 1).name()).isEqualTo("cnpg.config_sha256");
    assertThat(directives.get(directives.size() - 1).value()).isEqualTo(r.sha256());
  }

  @Test
  void hbaMatchesGoldenSectionBySection() {
    Rendered r =
        HbaConf.render(
            new HbaInput(
                List.of(
                    "hostssl app app 10.0.0.0/8 scram-sha-256",
                    "host  \"my db\",other  all  samenet  scram-sha-256  # office"),
                false));
    assertThat(r.refused()).isEmpty();
    assertThat(Golden.sections(r.text()))
        .containsExactlyElementsOf(Golden.sections(Golden.load("pg_hba.conf")));
  }

  @Test
  void hbaWithPlaintextAllowedHasNoRejectSection() {
    Rendered r = HbaConf.render(new HbaInput(List.of(), true));
    assertThat(Golden.sections(r.text()))
        .containsExactly(
            "[FIXED RULES]",
            "local all cnpg_metrics_exporter peer map=cnpg_metrics_exporter",
            "local all all peer map=local",
            "hostssl postgres streaming_replica all cert map=cnpg_streaming_replica",
            "hostssl replication streaming_replica all cert map=cnpg_streaming_replica",
            "hostssl all cnpg_pooler_pgbouncer all cert map=cnpg_pooler_pgbouncer",
            "[USER-DEFINED RULES]",
            "[DEFAULT RULES]",
            "host all all all scram-sha-256");
  }

  @Test
  void identMatchesGoldenSectionBySection() {
    Rendered r =
        IdentConf.render(
            new IdentInput(
                "postgres", List.of("ldapmap /^(.*)@example\\.com$ \\1", "m alice bob")));
    assertThat(r.refused()).isEmpty();
    assertThat(Golden.sections(r.text()))
        .containsExactlyElementsOf(Golden.sections(Golden.load("pg_ident.conf")));
  }

  @Test
  void postgresqlConfMatchesGoldenByMeaning() {
    String initdb = Golden.load("postgresql.conf.initdb");
    String out = PostgresqlConf.withIncludes(initdb);
    assertThat(GucFileReader.read(out))
        .containsExactlyElementsOf(GucFileReader.read(Golden.load("postgresql.conf")));
    assertThat(out).endsWith("include 'custom.conf'\ninclude 'override.conf'\n");
    assertThat(PostgresqlConf.withIncludes(out)).isEqualTo(out);
  }

  @Test
  void goldenParametersAreReadBackVerbatim() {
    Map<String, String> p = Golden.sampleParameters();
    Rendered r = CustomConf.render(Golden.configInput(p));
    for (GucFileReader.Directive d : GucFileReader.read(r.text())) {
      if (p.containsKey(d.name())) {
        assertThat(d.value()).isEqualTo(p.get(d.name()));
      }
    }
  }
}
