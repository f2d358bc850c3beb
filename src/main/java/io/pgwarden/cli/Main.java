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
    nativeWorkdir(System.getenv("TMPDIR"));
    int code = new CommandLine(Main.class).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    System.exit(code);
  }

  /**
   * Netty extracts its epoll library to a temporary directory, {@code /tmp} by default, which a
   * read-only root filesystem refuses (the servers then fall back to NIO): it goes where {@code
   * TMPDIR} points instead, unless {@code io.netty.native.workdir} is set.
   */
  static void nativeWorkdir(String tmpdir) {
    if (tmpdir != null && !tmpdir.isBlank() && System.getProperty(NATIVE_WORKDIR) == null) {
      System.setProperty(NATIVE_WORKDIR, tmpdir);
    }
  }

  static final String NATIVE_WORKDIR = "io.netty.native.workdir";
}
