package io.pgwarden.pgconf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AuthConfTest {
  @ParameterizedTest
  @ValueSource(
      strings = {
        "host all all all trust\nhost all all all trust",
        "host all all all trust\r",
        "host all all 0.0.0.0/0 trust \\",
        "host all @admins all trust",
        "host all all,@admins all trust",
        "host all @\"my file\" all trust",
        "include 'evil.conf'",
        "include_dir conf.d",
        "include_if_exists x",
        "\"host\" all all all trust",
        "trust all all all",
        "host all all trust",
        "local all all",
        "host \"all all all trust",
        "",
        "   # just a comment",
        "host all all all trust\u2028host all all all trust",
        "host all all all trust\u0000",
        "host,local all all all trust"
      })
  void refusesSmuggledHbaRulesNamingTheEntry(String rule) {
    Rendered r =
        HbaConf.render(
            new HbaInput(List.of("hostssl ok ok all cert", rule, "local ok ok peer"), false));
    assertThat(r.refused()).hasSize(1);
    assertThat(r.refused().get(0).field()).isEqualTo("spec.postgresql.pg_hba[1]");
    assertThat(r.refused().get(0).getMessage()).doesNotContain("\n", "\r", "\u2028");
    assertThat(r.text()).contains("hostssl ok ok all cert\nlocal ok ok peer\n");
    assertThat(AuthFileReader.read(r.text())).hasSize(5 + 1 + 2 + 1);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "hostssl all \"@notafile\" 10.0.0.0/8 scram-sha-256",
        "host all all 10.0.0.0 255.0.0.0 scram-sha-256",
        "hostssl \"my # db\" all all cert clientcert=verify-full # comment",
        "host all user@example.com all scram-sha-256",
        "local all all peer map=local\t",
        "hostgssenc all all all gss include_realm=0"
      })
  void acceptsOrdinaryHbaRules(String rule) {
    Rendered r = HbaConf.render(new HbaInput(List.of(rule), false));
    assertThat(r.refused()).isEmpty();
    assertThat(r.text()).contains("\n" + rule + "\n");
  }

  @Test
  void plaintextIsRejectedBeforeUserRules() {
    List<String> sections =
        Golden.sections(
            HbaConf.render(new HbaInput(List.of("host all all all md5"), false)).text());
    assertThat(sections)
        .containsSubsequence(
            "[FIXED RULES]",
            "[PLAINTEXT REJECTED]",
            "hostnossl all all all reject",
            "[USER-DEFINED RULES]",
            "host all all all md5",
            "[DEFAULT RULES]");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "m alice",
        "m alice bob extra",
        "m alice,carol bob",
        "m @users bob",
        "include x",
        "m alice bob\nm eve postgres",
        "m alice bob \\",
        "m \"alice bob"
      })
  void refusesBadIdentMappingsNamingTheEntry(String rule) {
    Rendered r = IdentConf.render(new IdentInput("postgres", List.of("a b c", rule)));
    assertThat(r.refused())
        .extracting(InvalidConfigurationException::field)
        .containsExactly("spec.postgresql.pg_ident[1]");
    assertThat(AuthFileReader.read(r.text())).hasSize(4 + 1);
  }

  @Test
  void identFixedRulesNameTheOsUser() {
    String text = IdentConf.render(new IdentInput("pg", List.of())).text();
    assertThat(AuthFileReader.read(text))
        .extracting(l -> String.join(" ", l.words()))
        .containsExactly(
            "local pg postgres",
            "cnpg_streaming_replica streaming_replica streaming_replica",
            "cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer cnpg_pooler_pgbouncer",
            "cnpg_metrics_exporter pg cnpg_metrics_exporter");
  }

  @Test
  void hostileOsUserIsADefect() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> IdentConf.render(new IdentInput("pg\nm x postgres", List.of())))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageStartingWith("osUser: ");
  }
}
