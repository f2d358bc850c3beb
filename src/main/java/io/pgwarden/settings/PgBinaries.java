package io.pgwarden.settings;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** Finds PostgreSQL's binaries when {@code --pg-bin} is not given. */
@SuppressFBWarnings(
    value = "DMI_HARDCODED_ABSOLUTE_FILENAME",
    justification =
        "on the class: reported in the static initializer of DEBIAN_ROOT, Debian's fixed install root,"
            + " a fallback when --pg-bin and pg_config are absent")
public final class PgBinaries {
  private static final Path DEBIAN_ROOT = Path.of("/usr/lib/postgresql");

  private PgBinaries() {}

  /** {@code pg_config --bindir}, else the newest {@code /usr/lib/postgresql/<major>/bin}. */
  public static Path locate() {
    return fromPgConfig().or(PgBinaries::newestDebian).orElse(DEBIAN_ROOT.resolve("15/bin"));
  }

  private static Optional<Path> fromPgConfig() {
    try {
      Process p =
          new ProcessBuilder("pg_config", "--bindir")
              .redirectErrorStream(true)
              .redirectInput(ProcessBuilder.Redirect.PIPE)
              .start();
      p.getOutputStream().close();
      String out;
      try (InputStream in = p.getInputStream()) {
        out = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
      }
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return Optional.empty();
      }
      Path dir = Path.of(out);
      // Debian's pg_config (postgresql-common) may name a client-only bindir.
      return Files.isExecutable(dir.resolve("postgres")) ? Optional.of(dir) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static Optional<Path> newestDebian() {
    if (!Files.isDirectory(DEBIAN_ROOT)) {
      return Optional.empty();
    }
    try (Stream<Path> versions = Files.list(DEBIAN_ROOT)) {
      return versions
          .filter(p -> String.valueOf(p.getFileName()).matches("\\d+"))
          .max(Comparator.comparingInt(p -> Integer.parseInt(String.valueOf(p.getFileName()))))
          .map(p -> p.resolve("bin"))
          .filter(p -> Files.isExecutable(p.resolve("postgres")));
    } catch (IOException e) {
      return Optional.empty();
    }
  }
}
