package io.pgwarden;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package map of docs/ARCHITECTURE.md, kept true by the build: the modes implement the seams of
 * {@code core} without reaching into the wiring, the wiring stays small, and no file grows into a
 * god object.
 */
class ArchitectureTest {
  private static final Path MAIN = Path.of("src/main/java/io/pgwarden");
  private static final int MAX_FILE_LINES = 400;
  private static final int MAX_WIRING_LINES = 700;

  @Test
  void noPackageButTheCommandsImportsTheWiring() throws IOException {
    Map<String, List<String>> offenders = new TreeMap<>();
    for (Path file : javaFiles(MAIN)) {
      String pkg = MAIN.relativize(file.getParent()).toString();
      if (pkg.equals("instance") || pkg.equals("cli")) {
        continue;
      }
      List<String> imports =
          Files.readAllLines(file).stream()
              .filter(l -> l.startsWith("import io.pgwarden.instance."))
              .toList();
      if (!imports.isEmpty()) {
        offenders.put(MAIN.relativize(file).toString(), imports);
      }
    }
    assertThat(offenders).as("files outside instance/ and cli/ importing instance/").isEmpty();
  }

  @Test
  void noMainSourceFileIsOver400Lines() throws IOException {
    Map<String, Integer> large = new TreeMap<>();
    for (Path file : javaFiles(MAIN)) {
      int lines = Files.readAllLines(file).size();
      if (lines > MAX_FILE_LINES) {
        large.put(MAIN.relativize(file).toString(), lines);
      }
    }
    assertThat(large).as("main source files over " + MAX_FILE_LINES + " lines").isEmpty();
  }

  @Test
  void theWiringStaysUnder700Lines() throws IOException {
    int total = 0;
    for (Path file : javaFiles(MAIN.resolve("instance"))) {
      total += Files.readAllLines(file).size();
    }
    assertThat(total).as("lines in instance/").isLessThan(MAX_WIRING_LINES);
  }

  private static List<Path> javaFiles(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      List<Path> java = files.filter(f -> f.toString().endsWith(".java")).sorted().toList();
      assertThat(java).as("Java files under " + root).isNotEmpty();
      return java;
    }
  }
}
