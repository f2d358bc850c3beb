package io.pgwarden.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code pgwarden}: the instance manager's command line. */
@Command(
    name = "pgwarden",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "PostgreSQL instance manager speaking CloudNativePG's contract.",
    subcommands = {
      StandaloneCommand.class,
      InstanceCommand.class,
      StatusCommand.class,
      VersionCommand.class
    })
public final class Main {
  /** Exit code for unusable input: a flag, the spec, the data directory. */
  public static final int EXIT_BAD_INPUT = 2;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The command line as {@link #main} runs it: enum values (modes, formats) in any case. */
  static CommandLine commandLine() {
    return new CommandLine(Main.class).setCaseInsensitiveEnumValuesAllowed(true);
  }
}
