package io.pgwarden.pgconf;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Thousands of generated hostile inputs thrown at every user-controlled field: rendering either
 * refuses an entry, or the file read back the way postgres reads it holds exactly the intended
 * directives or rules — never a second one, never an include.
 */
class HostileInputTest {
  private static final long SEED = 0x5eed_1234_abcdL;
  private static final int ROUNDS = 3000;

  private static final String[] FRAGMENTS = {
    "'",
    "''",
    "\\",
    "\\\\",
    "\\'",
    "\n",
    "\r",
    "\r\n",
    "#",
    "\u0000",
    "\t",
    " ",
    "\"",
    "\"\"",
    ",",
    "@",
    "@file",
    "=",
    "a",
    "work_mem",
    "include 'x'",
    "include_dir 'conf.d'",
    "\n host all all all trust",
    "\nlocal all all trust",
    "\\\n",
    "\u2028",
    "\u2029",
    "\u0085",
    "\u001b",
    "\u007f",
    "é",
    "😀",
    "\uD800",
    "\uDC00",
    ".",
    "0x1F",
    "1e5",
    "/",
    "-",
    ":",
    "%",
    "\\n",
    "\\0",
    "\\101",
    "' # '",
    "'\n port = 1 #",
    "host",
    "local",
    "all",
    "trust",
    "peer",
    "map=x",
    "+group",
    "/^re$"
  };

  private static final String[] GOOD_NAMES = {
    "work_mem", "Work_Mem", "pg_stat_statements.max", "application_name", "search_path", "_x",
    "a.b", "port", "archive_mode", "include", "cnpg.config_sha256", "recovery_target_name"
  };

  private final Random random = new Random(SEED);
  private int acceptedCount;
  private int refusedCount;

  /** Guards against a vacuous run: the generator must produce both outcomes often. */
  private void assertBothOutcomesSeen() {
    assertThat(acceptedCount).as("accepted entries").isGreaterThan(ROUNDS / 5);
    assertThat(refusedCount).as("refused entries").isGreaterThan(ROUNDS / 5);
  }

  private String hostile() {
    if (random.nextInt(50) == 0) {
      return FRAGMENTS[random.nextInt(FRAGMENTS.length)].repeat(2000 + random.nextInt(8000));
    }
    StringBuilder b = new StringBuilder();
    int n = random.nextInt(9);
    for (int i = 0; i < n; i++) {
      if (random.nextInt(6) == 0) {
        b.append((char) random.nextInt(0x3000));
      } else {
        b.append(FRAGMENTS[random.nextInt(FRAGMENTS.length)]);
      }
    }
    return b.toString();
  }

  private String name() {
    return random.nextBoolean() ? GOOD_NAMES[random.nextInt(GOOD_NAMES.length)] : hostile();
  }

  @Test
  void customConfHoldsExactlyTheAcceptedParameters() {
    Set<String> baseline = new HashSet<>();
    GucFileReader.read(CustomConf.render(Golden.configInput(Map.of())).text())
        .forEach(d -> baseline.add(d.name()));
    for (int round = 0; round < ROUNDS; round++) {
      Map<String, String> params = new LinkedHashMap<>();
      int n = 1 + random.nextInt(5);
      for (int i = 0; i < n; i++) {
        params.put(name(), hostile());
      }
      Rendered r = CustomConf.render(Golden.configInput(params));

      Set<String> refusedFields = new HashSet<>();
      r.refused().forEach(e -> refusedFields.add(e.field()));
      Map<String, String> accepted = new LinkedHashMap<>();
      params.forEach(
          (k, v) -> {
            if (!refusedFields.contains("spec.postgresql.parameters." + k)) {
              accepted.put(k.toLowerCase(Locale.ROOT), v);
            }
          });
      assertThat(refusedFields.size() + accepted.size()).isEqualTo(params.size());
      acceptedCount += accepted.size();
      refusedCount += refusedFields.size();

      List<GucFileReader.Directive> directives = GucFileReader.read(r.text());
      Map<String, String> read = new LinkedHashMap<>();
      for (GucFileReader.Directive d : directives) {
        assertThat(d.include()).as("include in round %d", round).isFalse();
        assertThat(read.put(d.name(), d.value())).as("duplicate %s", d.name()).isNull();
      }
      Set<String> expected = new HashSet<>(baseline);
      expected.addAll(accepted.keySet());
      assertThat(read.keySet()).containsExactlyInAnyOrderElementsOf(expected);
      accepted.forEach((k, v) -> assertThat(read.get(k)).as("value of %s", k).isEqualTo(v));
      assertThat(read.get("port")).isEqualTo("5432");
      assertThat(read.get("cnpg.config_sha256")).isEqualTo(r.sha256());
    }
    assertBothOutcomesSeen();
  }

  @Test
  void quoteEitherRefusesOrRoundTrips() {
    for (int round = 0; round < ROUNDS * 3; round++) {
      String v = hostile();
      String quoted;
      try {
        quoted = ConfigLiteral.quote("f", v);
      } catch (InvalidConfigurationException refused) {
        assertThat(refused.field()).isEqualTo("f");
        refusedCount++;
        continue;
      }
      acceptedCount++;
      assertThat(GucFileReader.read("x = " + quoted + "\n"))
          .containsExactly(new GucFileReader.Directive("x", v, false));
    }
    assertBothOutcomesSeen();
  }

  @Test
  void hbaHoldsExactlyTheAcceptedRules() {
    String[] prefixes = {
      "host all all all ", "hostssl db u 10.0.0.0/8 ", "local all all ", "", "h"
    };
    String[] suffixes = {" scram-sha-256", "", " trust # c"};
    for (int round = 0; round < ROUNDS; round++) {
      List<String> rules = new ArrayList<>();
      int n = 1 + random.nextInt(5);
      for (int i = 0; i < n; i++) {
        rules.add(
            prefixes[random.nextInt(prefixes.length)]
                + hostile()
                + suffixes[random.nextInt(suffixes.length)]);
      }
      boolean plaintext = random.nextBoolean();
      Rendered r = HbaConf.render(new HbaInput(rules, plaintext));
      List<String> accepted = acceptedEntries(rules, r, "spec.postgresql.pg_hba");

      List<AuthFileReader.Line> lines = AuthFileReader.read(r.text());
      int fixed = plaintext ? 5 : 6;
      assertThat(lines).hasSize(fixed + accepted.size() + 1);
      for (AuthFileReader.Line line : lines) {
        assertThat(line.includesFile()).isFalse();
        assertThat(line.includeDirective()).isFalse();
        assertThat(line.fields().get(0)).hasSize(1);
        assertThat(line.fields().get(0).get(0).text())
            .isIn("local", "host", "hostssl", "hostnossl", "hostgssenc", "hostnogssenc");
      }
      for (int i = 0; i < accepted.size(); i++) {
        List<AuthFileReader.Line> alone = AuthFileReader.read(accepted.get(i));
        assertThat(alone).hasSize(1);
        assertThat(lines.get(fixed + i)).isEqualTo(alone.get(0));
      }
      assertThat(lines.get(lines.size() - 1).words())
          .containsExactly("host", "all", "all", "all", "scram-sha-256");
      if (!plaintext) {
        assertThat(lines.get(5).words())
            .containsExactly("hostnossl", "all", "all", "all", "reject");
      }
    }
    assertBothOutcomesSeen();
  }

  @Test
  void identHoldsExactlyTheAcceptedMappings() {
    for (int round = 0; round < ROUNDS; round++) {
      List<String> rules = new ArrayList<>();
      int n = 1 + random.nextInt(5);
      for (int i = 0; i < n; i++) {
        rules.add(
            switch (random.nextInt(3)) {
              case 0 -> "m " + hostile() + " " + hostile();
              case 1 -> "m \"" + hostile() + "\" pg";
              default -> "m u" + hostile().replaceAll("[ \t\r,]", "") + " pg";
            });
      }
      Rendered r = IdentConf.render(new IdentInput("postgres", rules));
      List<String> accepted = acceptedEntries(rules, r, "spec.postgresql.pg_ident");

      List<AuthFileReader.Line> lines = AuthFileReader.read(r.text());
      assertThat(lines).hasSize(4 + accepted.size());
      for (AuthFileReader.Line line : lines) {
        assertThat(line.includesFile()).isFalse();
        assertThat(line.includeDirective()).isFalse();
        assertThat(line.fields()).hasSize(3).allSatisfy(f -> assertThat(f).hasSize(1));
      }
      for (int i = 0; i < accepted.size(); i++) {
        assertThat(lines.get(4 + i)).isEqualTo(AuthFileReader.read(accepted.get(i)).get(0));
      }
    }
    assertBothOutcomesSeen();
  }

  private List<String> acceptedEntries(List<String> entries, Rendered r, String field) {
    Set<String> refused = new HashSet<>();
    r.refused().forEach(e -> refused.add(e.field()));
    List<String> accepted = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      if (!refused.contains(field + "[" + i + "]")) {
        accepted.add(entries.get(i));
      }
    }
    assertThat(refused.size() + accepted.size()).isEqualTo(entries.size());
    acceptedCount += accepted.size();
    refusedCount += refused.size();
    return accepted;
  }
}
