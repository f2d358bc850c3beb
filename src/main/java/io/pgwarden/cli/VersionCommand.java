package io.pgwarden.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;

/** {@code pgwarden version}. */
@Command(name = "version", description = "Print pgwarden's version.")
final class VersionCommand implements Callable<Integer> {
  static String version() {
    String v = Main.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }

  @Override
  public Integer call() {
    System.out.println("pgwarden " + version());
    return 0;
  }

  /** picocli's {@code --version}. */
  static final class Provider implements IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"pgwarden " + version()};
    }
  }
}
