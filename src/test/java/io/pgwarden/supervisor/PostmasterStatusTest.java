package io.pgwarden.supervisor;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PostmasterStatusTest {
  /** The first seven lines of a real postmaster.pid (PostgreSQL 15). */
  private static final String HEAD =
      """
      4242
      /var/lib/postgresql/data/pgdata
      1735689600
      5432
      /controller/run
      *
        5432001         3
      """;

  @TempDir Path dir;

  private void pidFile(String content) throws IOException {
    Files.writeString(dir.resolve("postmaster.pid"), content, StandardCharsets.UTF_8);
  }

  @Test
  void aReadyFileOfAnotherPostmasterIsStarting() throws IOException {
    // After a crash the old postmaster's file says ready until the new one replaces it.
    pidFile(HEAD + "ready   \n");
    assertThat(PostmasterStatus.read(dir, 4242)).isEqualTo(PostmasterStatus.READY);
    assertThat(PostmasterStatus.read(dir, 4343)).isEqualTo(PostmasterStatus.STARTING);
    assertThat(PostmasterStatus.read(dir)).isEqualTo(PostmasterStatus.READY);
  }

  @Test
  void absentFileIsAbsent() {
    assertThat(PostmasterStatus.read(dir)).isEqualTo(PostmasterStatus.ABSENT);
  }

  @Test
  void absentDataDirectoryIsAbsent() {
    assertThat(PostmasterStatus.read(dir.resolve("missing"))).isEqualTo(PostmasterStatus.ABSENT);
  }

  @Test
  void emptyFileIsStarting() throws IOException {
    pidFile("");
    assertThat(PostmasterStatus.read(dir)).isEqualTo(PostmasterStatus.STARTING);
  }

  @Test
  void shortFileIsStarting() throws IOException {
    pidFile("4242\n/var/lib/postgresql/data/pgdata\n1735689600\n");
    assertThat(PostmasterStatus.read(dir)).isEqualTo(PostmasterStatus.STARTING);
  }

  @Test
  void sevenLinesWithoutStatusIsStarting() throws IOException {
    pidFile(HEAD);
    assertThat(PostmasterStatus.read(dir)).isEqualTo(PostmasterStatus.STARTING);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "'ready   '|READY",
        "'starting'|STARTING",
        "'stopping'|STOPPING",
        "'standby '|STANDBY",
        "'READY'|READY",
        "'unknown '|STARTING",
        "''|STARTING",
      })
  void statusLineIsRead(String line, PostmasterStatus expected) throws IOException {
    pidFile(HEAD + line + "\n");
    assertThat(PostmasterStatus.read(dir)).isEqualTo(expected);
  }

  @Test
  void statusWithoutTrailingNewlineIsRead() throws IOException {
    pidFile(HEAD + "ready   ");
    assertThat(PostmasterStatus.read(dir)).isEqualTo(PostmasterStatus.READY);
  }

  @Test
  void statusFollowedByMoreLinesIsRead() throws IOException {
    pidFile(HEAD + "stopping\nextra\n");
    assertThat(PostmasterStatus.read(dir)).isEqualTo(PostmasterStatus.STOPPING);
  }
}
