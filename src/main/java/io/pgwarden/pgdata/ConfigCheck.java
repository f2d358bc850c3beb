package io.pgwarden.pgdata;

import io.pgwarden.supervisor.Commands;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * postgres's own parser run on the configuration files in PGDATA ({@code postgres -D PGDATA -C
 * config_file}): it reads postgresql.conf and every include as a start or a reload would, and fails
 * on an unknown parameter or a value its type refuses, without touching the running server. About
 * 0.2 s; run before a reload, so that what postgres would reject is never installed.
 */
public final class ConfigCheck {
  private static final Duration TIMEOUT = Duration.ofSeconds(30);

  private final Commands quiet;
  private final Path pgBin;
  private final Path dataDir;

  /**
   * @param quiet runs postgres without logging its output as command output (its complaint goes
   *     into the refusal instead)
   */
  public ConfigCheck(Commands quiet, Path pgBin, Path dataDir) {
    this.quiet = quiet;
    this.pgBin = pgBin;
    this.dataDir = dataDir;
  }

  /** What postgres says is wrong with the files; empty when it accepts them. */
  public Optional<String> problems() throws InterruptedException {
    try {
      quiet.run(
          List.of(
              pgBin.resolve("postgres").toString(), "-D", dataDir.toString(), "-C", "config_file"),
          dataDir,
          TIMEOUT);
      return Optional.empty();
    } catch (Commands.CommandFailedException e) {
      return Optional.of("postgres refuses the configuration files: " + e.getMessage());
    } catch (IOException e) {
      return Optional.of("cannot run postgres to check the configuration files: " + e.getMessage());
    }
  }
}
