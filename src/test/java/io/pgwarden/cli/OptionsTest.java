package io.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.pgwarden.logs.LogLevel;
import io.pgwarden.settings.StatusClientAuth;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** The flags whose values are a closed set: parsed to enums, an unknown value names its flag. */
class OptionsTest {
  private static Object command(String... args) {
    ParseResult result = Main.commandLine().parseArgs(args);
    while (result.hasSubcommand()) {
      result = result.subcommand();
    }
    return result.commandSpec().userObject();
  }

  @Test
  void defaultsAreInfoAndNoClientCertificate() {
    StandaloneCommand standalone = (StandaloneCommand) command("standalone");

    assertThat(standalone.server.logLevel).isEqualTo(LogLevel.INFO);
    assertThat(standalone.statusClientAuth).isEqualTo(StatusClientAuth.NONE);
  }

  @Test
  void valuesAreTakenInAnyCase() {
    StandaloneCommand standalone =
        (StandaloneCommand)
            command("standalone", "--status-client-auth", "REQUIRE", "--log-level", "Warning");
    InstanceCommand.Run run = (InstanceCommand.Run) command("instance", "run", "--log-level=trace");

    assertThat(standalone.statusClientAuth).isEqualTo(StatusClientAuth.REQUIRE);
    assertThat(standalone.server.logLevel).isEqualTo(LogLevel.WARNING);
    assertThat(run.options.server.logLevel).isEqualTo(LogLevel.TRACE);
  }

  @Test
  void anUnknownClientAuthNamesTheFlagAndTheChoices() {
    assertThatThrownBy(() -> command("standalone", "--status-client-auth", "maybe"))
        .isInstanceOf(ParameterException.class)
        .hasMessageContaining("--status-client-auth")
        .hasMessageContaining("'maybe' is neither none nor require");
  }

  @Test
  void aLookAlikeUnderUnicodeCaseMappingIsRefused() {
    // "requ\u0131re" (dotless i) upper-cases to REQUIRE: ASCII case only is accepted.
    assertThatThrownBy(() -> command("standalone", "--status-client-auth", "requ\u0131re"))
        .isInstanceOf(ParameterException.class)
        .hasMessageContaining("--status-client-auth");
  }

  @Test
  void anUnknownLogLevelNamesTheFlagAndTheLevels() {
    for (String[] args :
        new String[][] {
          {"standalone", "--log-level", "loud"}, {"instance", "init", "--log-level", "loud"}
        }) {
      assertThatThrownBy(() -> command(args))
          .isInstanceOf(ParameterException.class)
          .hasMessageContaining("--log-level")
          .hasMessageContaining("'loud'")
          .hasMessageContaining("error, warning, info, debug or trace");
    }
  }

  @Test
  void anUnknownValueExitsWithTheBadInputCodeBeforeAnythingStarts() {
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine();
    cl.setErr(new PrintWriter(err));

    int code = cl.execute("standalone", "--status-client-auth", "maybe");

    assertThat(code).isEqualTo(Main.EXIT_BAD_INPUT);
    assertThat(err.toString()).contains("--status-client-auth");
  }
}
