package io.pgwarden.pgconf;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Golden files and the inputs they were rendered from. */
final class Golden {
  private Golden() {}

  static String load(String name) {
    try (InputStream in = Golden.class.getResourceAsStream("/pgconf/" + name)) {
      if (in == null) {
        throw new IllegalStateException("missing golden file /pgconf/" + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("while reading golden file " + name, e);
    }
  }

  static ConfigInput configInput(Map<String, String> userParameters) {
    return new ConfigInput(
        "cluster-example",
        5432,
        "/controller/run",
        "/controller/log",
        "/controller/certificates",
        userParameters,
        List.of("pg_stat_statements", "pgaudit"));
  }

  static Map<String, String> sampleParameters() {
    Map<String, String> p = new TreeMap<>();
    p.put("work_mem", "8MB");
    p.put("max_connections", "200");
    p.put("pg_stat_statements.max", "10000");
    p.put("log_min_duration_statement", "1s");
    p.put("search_path", "\"$user\", public");
    p.put("application_name", "it's a \\ test");
    return p;
  }

  /**
   * A section-aware reading of an auth file: each banner title followed by the rules under it, in
   * order. Blank lines and other comments carry no meaning.
   */
  static List<String> sections(String text) {
    List<String> out = new ArrayList<>();
    for (String line : text.split("\n", -1)) {
      String t = line.strip();
      if (t.matches("# [A-Z][A-Z -]+")) {
        out.add("[" + t.substring(2) + "]");
      } else if (!t.isEmpty() && !t.startsWith("#")) {
        List<AuthFileReader.Line> rules = AuthFileReader.read(line);
        rules.forEach(r -> out.add(String.join(" ", r.words())));
      }
    }
    return out;
  }
}
