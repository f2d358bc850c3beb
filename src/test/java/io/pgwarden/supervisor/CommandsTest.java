package io.pgwarden.supervisor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir Path dir;

  private record Line(String command, String line, boolean stderr) {}

  private final ConcurrentLinkedQueue<Line> lines = new ConcurrentLinkedQueue<>();
  private final Commands commands =
      new Commands(
          new Children(), (command, line, stderr) -> lines.add(new Line(command, line, stderr)));

  @Test
  void successReturnsStandardOutputAndSendsEveryLine() throws Exception {
    String out =
        commands.run(List.of("sh", "-c", "echo one; echo two >&2; echo three"), dir, TIMEOUT);

    assertThat(out).isEqualTo("one\nthree\n");
    assertThat(lines)
        .containsExactlyInAnyOrder(
            new Line("sh", "one", false),
            new Line("sh", "two", true),
            new Line("sh", "three", false));
  }

  @Test
  void commandNameIsTheFileNameOfTheProgram() throws Exception {
    commands.run(List.of("/bin/sh", "-c", "echo hi"), dir, TIMEOUT);
    assertThat(lines).containsExactly(new Line("sh", "hi", false));
  }

  @Test
  void runsInTheWorkingDirectory() throws Exception {
    String out = commands.run(List.of("sh", "-c", "pwd -P"), dir, TIMEOUT);
    assertThat(Path.of(out.trim())).isEqualTo(dir.toRealPath());
  }

  @Test
  void failureCarriesExitCodeAndLastLines() {
    Commands.CommandFailedException e =
        catchThrowableOfType(
            Commands.CommandFailedException.class,
            () ->
                commands.run(
                    List.of(
                        "sh",
                        "-c",
                        "echo starting; echo 'FATAL: could not create directory' >&2; exit 3"),
                    dir,
                    TIMEOUT));

    assertThat(e).isNotNull();
    assertThat(e.getMessage())
        .contains("sh")
        .contains("exit code 3")
        .contains("starting")
        .contains("FATAL: could not create directory");
    assertThat(lines)
        .contains(
            new Line("sh", "starting", false),
            new Line("sh", "FATAL: could not create directory", true));
  }

  @Test
  void failureMessageKeepsOnlyTheLastTwentyLines() {
    Commands.CommandFailedException e =
        catchThrowableOfType(
            Commands.CommandFailedException.class,
            () ->
                commands.run(
                    List.of(
                        "sh",
                        "-c",
                        "i=1; while [ $i -le 30 ]; do echo line-$i; i=$((i+1)); done; exit 1"),
                    dir,
                    TIMEOUT));

    assertThat(e).isNotNull();
    assertThat(e.getMessage())
        .contains("exit code 1")
        .contains("line-11 |")
        .contains("line-30")
        .doesNotContain("line-10 ")
        .doesNotContain("line-1 ");
    assertThat(lines).hasSize(30);
  }

  @Test
  void inputIsEmpty() throws Exception {
    // stdin is /dev/null: a command reading it sees end of file at once instead of hanging.
    String out = commands.run(List.of("sh", "-c", "cat; echo done"), dir, TIMEOUT);
    assertThat(out).isEqualTo("done\n");
  }

  @Test
  void commandOutlivingItsTimeoutFails() {
    long start = System.nanoTime();
    Commands.CommandFailedException e =
        catchThrowableOfType(
            Commands.CommandFailedException.class,
            () -> commands.run(List.of("sleep", "3"), dir, Duration.ofMillis(200)));
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;

    assertThat(e).isNotNull();
    assertThat(e.getMessage()).contains("sleep").contains("did not finish");
    assertThat(elapsedMillis).isLessThan(2_500);
  }
}
