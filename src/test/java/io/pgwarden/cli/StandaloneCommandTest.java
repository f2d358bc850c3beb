package io.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class StandaloneCommandTest {

  private static StandaloneCommand parse(String... args) {
    StandaloneCommand command = new StandaloneCommand();
    new CommandLine(command).parseArgs(args);
    return command;
  }

  @Test
  void pgdataFromTheEnvironmentWhenNoFlag() {
    assertThat(parse().dataDir("/var/lib/postgresql/data/pgdata"))
        .isEqualTo(Path.of("/var/lib/postgresql/data/pgdata"));
  }

  @Test
  void theFlagWinsOverPgdata() {
    assertThat(parse("--data", "/srv/pg").dataDir("/var/lib/postgresql/data/pgdata"))
        .isEqualTo(Path.of("/srv/pg"));
  }

  @Test
  void neitherMeansPgdataInTheWorkingDirectory() {
    assertThat(parse().dataDir(null)).isEqualTo(Path.of("pgdata"));
    assertThat(parse().dataDir(" ")).isEqualTo(Path.of("pgdata"));
  }
}
