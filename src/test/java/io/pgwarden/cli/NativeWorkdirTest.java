package io.pgwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class NativeWorkdirTest {
  private String saved;

  @BeforeEach
  void save() {
    saved = System.clearProperty(Main.NATIVE_WORKDIR);
  }

  @AfterEach
  void restore() {
    if (saved == null) {
      System.clearProperty(Main.NATIVE_WORKDIR);
    } else {
      System.setProperty(Main.NATIVE_WORKDIR, saved);
    }
  }

  @Test
  void nettyExtractsItsLibraryWhereTmpdirPoints() {
    Main.nativeWorkdir("/controller/tmp");

    assertThat(System.getProperty(Main.NATIVE_WORKDIR)).isEqualTo("/controller/tmp");
  }

  @Test
  void anExplicitWorkdirOrNoTmpdirIsLeftAlone() {
    Main.nativeWorkdir(null);
    Main.nativeWorkdir(" ");
    assertThat(System.getProperty(Main.NATIVE_WORKDIR)).isNull();

    System.setProperty(Main.NATIVE_WORKDIR, "/elsewhere");
    Main.nativeWorkdir("/controller/tmp");
    assertThat(System.getProperty(Main.NATIVE_WORKDIR)).isEqualTo("/elsewhere");
  }
}
