package io.pgwarden.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.pgwarden.logs.LogLevel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SettingsTest {
  private static final Path REAL_PG_BIN = Path.of("/usr/lib/postgresql/15/bin");
  private static final String[] TOOLS = {"postgres", "initdb", "pg_ctl", "pg_controldata"};

  @TempDir Path tmp;

  private Path fakeBin;

  @BeforeEach
  void fakeBinaries() throws IOException {
    fakeBin = Files.createDirectory(tmp.resolve("bin"));
    for (String tool : TOOLS) {
      Path p = fakeBin.resolve(tool);
      Files.writeString(p, "#!/bin/sh\nexit 0\n");
      Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
  }

  /** Valid settings but for what a test changes. */
  private final class Builder {
    Path dataDir = tmp.resolve("data");
    Path controller = tmp.resolve("ctl");
    Optional<Path> specFile = Optional.empty();
    int pgPort = 5432;
    int statusPort = 8000;
    int metricsPort = 9187;
    Path pgBin = fakeBin;
    String podName = "pod-1";

    Settings build() {
      return new Settings(
          RunMode.STANDALONE,
          dataDir,
          new ControllerLayout(controller),
          specFile,
          tmp.resolve("secrets"),
          tmp.resolve("configmaps"),
          pgPort,
          statusPort,
          metricsPort,
          false,
          pgBin,
          podName,
          LogLevel.INFO,
          StatusClientAuth.NONE);
    }
  }

  private static InvalidSettingException refused(Builder b) {
    InvalidSettingException e = catchThrowableOfType(InvalidSettingException.class, b::build);
    assertThat(e).as("expected the settings to be refused").isNotNull();
    return e;
  }

  @Test
  void validSettingsWithRealBinariesAreAccepted() {
    assumeTrue(Files.isExecutable(REAL_PG_BIN.resolve("postgres")), "PostgreSQL 15 not installed");
    Builder b = new Builder();
    b.pgBin = REAL_PG_BIN;
    Settings s = b.build();
    assertThat(s.pgBin()).isEqualTo(REAL_PG_BIN);
    assertThat(s.pgPort()).isEqualTo(5432);
    assertThat(s.podName()).isEqualTo("pod-1");
  }

  @Test
  void pathsAreMadeAbsoluteAndNormalised() {
    Builder b = new Builder();
    b.dataDir = tmp.resolve("x/../data/./pg");
    b.controller = tmp.resolve("a/./b/../ctl");
    Settings s = b.build();
    assertThat(s.dataDir()).isEqualTo(tmp.resolve("data/pg").toAbsolutePath().normalize());
    assertThat(s.dataDir().isAbsolute()).isTrue();
    assertThat(s.controller().root()).isEqualTo(tmp.resolve("a/ctl").toAbsolutePath().normalize());
    assertThat(s.secretsDir()).isEqualTo(tmp.resolve("secrets").toAbsolutePath().normalize());
    assertThat(s.configMapsDir()).isEqualTo(tmp.resolve("configmaps").toAbsolutePath().normalize());
  }

  @Test
  void relativePathsAreResolvedAgainstTheWorkingDirectory() {
    Builder b = new Builder();
    b.dataDir = Path.of("rel/../pgdata");
    Settings s = b.build();
    assertThat(s.dataDir()).isEqualTo(Path.of("pgdata").toAbsolutePath().normalize());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, -1, 65536, 100000})
  void pgPortOutOfRangeIsRefused(int port) {
    Builder b = new Builder();
    b.pgPort = port;
    InvalidSettingException e = refused(b);
    assertThat(e.key()).isEqualTo("--pg-port");
    assertThat(e.getMessage()).startsWith("--pg-port: ").contains(Integer.toString(port));
  }

  @Test
  void statusPortOutOfRangeIsRefused() {
    Builder b = new Builder();
    b.statusPort = 70000;
    assertThat(refused(b).key()).isEqualTo("--status-port");
  }

  @Test
  void metricsPortOutOfRangeIsRefused() {
    Builder b = new Builder();
    b.metricsPort = 0;
    assertThat(refused(b).key()).isEqualTo("--metrics-port");
  }

  @Test
  void boundaryPortsAreAccepted() {
    Builder b = new Builder();
    b.pgPort = 1;
    b.statusPort = 65535;
    assertThat(b.build().statusPort()).isEqualTo(65535);
  }

  @Test
  void equalPortsAreRefused() {
    Builder b = new Builder();
    b.metricsPort = b.statusPort;
    InvalidSettingException e = refused(b);
    assertThat(e.key()).contains("--status-port").contains("--metrics-port");
    assertThat(e.getMessage()).contains("must differ");

    Builder c = new Builder();
    c.statusPort = c.pgPort;
    assertThat(refused(c).key()).contains("--pg-port");
  }

  @Test
  void missingSpecFileIsRefused() {
    Builder b = new Builder();
    b.specFile = Optional.of(tmp.resolve("nope.yaml"));
    InvalidSettingException e = refused(b);
    assertThat(e.key()).isEqualTo("--spec");
    assertThat(e.getMessage()).contains("nope.yaml");
  }

  @Test
  void specFileThatIsADirectoryIsRefused() {
    Builder b = new Builder();
    b.specFile = Optional.of(tmp);
    assertThat(refused(b).key()).isEqualTo("--spec");
  }

  @Test
  void existingSpecFileIsAccepted() throws IOException {
    Path spec = Files.writeString(tmp.resolve("cluster.yaml"), "");
    Builder b = new Builder();
    b.specFile = Optional.of(spec);
    assertThat(b.build().specFile()).contains(spec);
  }

  @Test
  void pgBinWithoutBinariesIsRefused() throws IOException {
    Builder b = new Builder();
    b.pgBin = Files.createDirectory(tmp.resolve("empty-bin"));
    InvalidSettingException e = refused(b);
    assertThat(e.key()).isEqualTo("--pg-bin");
    assertThat(e.getMessage()).contains("postgres");
  }

  @Test
  void pgBinWithNonExecutableToolIsRefused() throws IOException {
    Files.setPosixFilePermissions(
        fakeBin.resolve("pg_controldata"), PosixFilePermissions.fromString("rw-r--r--"));
    Builder b = new Builder();
    InvalidSettingException e = refused(b);
    assertThat(e.key()).isEqualTo("--pg-bin");
    assertThat(e.getMessage()).contains("pg_controldata");
  }

  @Test
  void missingPgBinIsRefused() {
    Builder b = new Builder();
    b.pgBin = tmp.resolve("does-not-exist");
    assertThat(refused(b).key()).isEqualTo("--pg-bin");
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "\t\n"})
  void blankPodNameIsRefused(String podName) {
    Builder b = new Builder();
    b.podName = podName;
    assertThat(refused(b).key()).isEqualTo("POD_NAME");
  }

  /** A controller root such that the socket path for port 5432 is exactly {@code length}. */
  private Path controllerWithSocketPathLength(int length) {
    String suffix = "/run/.s.PGSQL.5432";
    String base = tmp.toAbsolutePath().normalize().toString() + "/";
    int pad = length - suffix.length() - base.length();
    assumeTrue(pad > 0, "temporary directory path too long for this test");
    Path root = Path.of(base + "c".repeat(pad));
    assertThat(new ControllerLayout(root).socket(5432).toString()).hasSize(length);
    return root;
  }

  @Test
  void socketPathOf107BytesIsAccepted() {
    Builder b = new Builder();
    b.controller = controllerWithSocketPathLength(107);
    assertThat(b.build().controller().socket(5432).toString()).hasSize(107);
  }

  @Test
  void controllerDirTooLongForTheSocketIsRefused() {
    Builder b = new Builder();
    b.controller = controllerWithSocketPathLength(108);
    InvalidSettingException e = refused(b);
    assertThat(e.key()).isEqualTo("--controller-dir");
    assertThat(e.getMessage()).contains("108").contains("107");
  }

  @Test
  void socketPathLimitCountsBytesNotCharacters() {
    Path ascii = controllerWithSocketPathLength(100);
    // Each 'é' is two bytes in UTF-8: 100 characters, more than 107 bytes.
    String s = ascii.toString();
    Path root;
    try {
      root = Path.of(s.substring(0, s.length() - 10) + "é".repeat(10));
    } catch (InvalidPathException e) {
      assumeTrue(false, "file names cannot hold non-ASCII characters under this locale");
      return;
    }
    Builder b = new Builder();
    b.controller = root;
    assertThat(refused(b).key()).isEqualTo("--controller-dir");
  }

  @Test
  void controllerLayoutPaths() {
    ControllerLayout l = new ControllerLayout(Path.of("/controller/x/.."));
    assertThat(l.root()).isEqualTo(Path.of("/controller"));
    assertThat(l.run()).isEqualTo(Path.of("/controller/run"));
    assertThat(l.log()).isEqualTo(Path.of("/controller/log"));
    assertThat(l.csvLogFifo()).isEqualTo(Path.of("/controller/log/postgres.csv"));
    assertThat(l.rawLogFifo()).isEqualTo(Path.of("/controller/log/postgres"));
    assertThat(l.certificates()).isEqualTo(Path.of("/controller/certificates"));
    assertThat(l.tmp()).isEqualTo(Path.of("/controller/tmp"));
    assertThat(l.socket(5432)).isEqualTo(Path.of("/controller/run/.s.PGSQL.5432"));
    assertThat(l.socket(6543).getFileName().toString()).isEqualTo(".s.PGSQL.6543");
  }

  @Test
  void controllerLayoutOfRelativeRootIsAbsolute() {
    assertThat(new ControllerLayout(Path.of("ctl")).root())
        .isEqualTo(Path.of("ctl").toAbsolutePath());
  }
}
