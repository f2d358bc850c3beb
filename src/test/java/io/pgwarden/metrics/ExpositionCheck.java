package io.pgwarden.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;

/** A line-by-line check of the text formats, and promtool's when it is installed. */
final class ExpositionCheck {
  private static final Pattern SAMPLE =
      Pattern.compile(
          "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\.)*\",?)*\\})?"
              + " (NaN|[+-]Inf|[-+0-9.eE]+)( [0-9.]+)?");
  private static final Pattern COMMENT = Pattern.compile("# (HELP|TYPE|UNIT) [a-zA-Z_:][^ ]* ?.*");

  private ExpositionCheck() {}

  static void wellFormed(String body, boolean openMetrics) {
    String[] lines = body.split("\n", -1);
    assertThat(lines[lines.length - 1]).as("ends with a newline").isEmpty();
    for (int i = 0; i < lines.length - 1; i++) {
      String line = lines[i];
      if (openMetrics && line.equals("# EOF")) {
        assertThat(i).as("# EOF is last").isEqualTo(lines.length - 2);
        continue;
      }
      assertThat(SAMPLE.matcher(line).matches() || COMMENT.matcher(line).matches())
          .as("line %d: %s", i + 1, line)
          .isTrue();
    }
    if (openMetrics) {
      assertThat(body).endsWith("# EOF\n");
    }
  }

  /** {@code promtool check metrics} on {@code body}, skipped when promtool is not installed. */
  static void promtool(String body) throws IOException, InterruptedException {
    File promtool = new File("/usr/bin/promtool");
    Assumptions.assumeTrue(promtool.canExecute(), "promtool not installed");
    Process p =
        new ProcessBuilder(promtool.getPath(), "check", "metrics")
            .redirectErrorStream(true)
            .start();
    try (OutputStream in = p.getOutputStream()) {
      in.write(body.getBytes(StandardCharsets.UTF_8));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    p.getInputStream().transferTo(out);
    assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
    // Lint findings (e.g. counters without _total from the JVM binders) print but exit 0 or 3;
    // a parse error exits 1.
    assertThat(p.exitValue()).as(out.toString(StandardCharsets.UTF_8)).isNotEqualTo(1);
  }
}
