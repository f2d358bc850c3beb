package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, failures 8 (unbounded spec and passwords) and 9 (Secrets following links anywhere, a
 * newline in a password) through the packaged jar with real postgres: refused by name, the last
 * good configuration and the old password still in force, exit code 2 at start; a mounted Secret's
 * {@code ..data} layout still works.
 */
class InputLimitsIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final int MIB = 1024 * 1024;

  @TempDir Path dir;

  @Test
  void aSpecOverOneMebibyteSetLiveIsRefusedByNameAndTheLastGoodStays() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(spec, "spec:\n  postgresql:\n    parameters:\n      work_mem: 8MB\n");
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      pg.awaitReady();
      assertThat(pg.query("SHOW work_mem")).isEqualTo("8MB");

      // Valid YAML that would set work_mem, padded past 1 MiB with a comment.
      StringBuilder big =
          new StringBuilder("spec:\n  postgresql:\n    parameters:\n      work_mem: 16MB\n");
      String comment = "# " + "x".repeat(1021) + "\n";
      while (big.length() < 2 * MIB) {
        big.append(comment);
      }
      int mark = pg.mark();
      Files.writeString(spec, big);
      JsonNode refused =
          pg.awaitLog(mark, n -> n.path("msg").asText().startsWith("refused spec:"), WAIT);
      assertThat(refused.path("msg").asText())
          .contains(spec.toString(), "over the limit of 1048576 bytes");
      assertThat(pg.query("SHOW work_mem")).isEqualTo("8MB");
      assertThat(pg.isAlive()).isTrue();

      // A spec within the limit is applied again.
      Files.writeString(spec, "spec:\n  postgresql:\n    parameters:\n      work_mem: 12MB\n");
      awaitSetting(pg, "work_mem", "12MB");
    }
  }

  @Test
  void aPasswordWithANewlineSetLiveIsRefusedAndTheOldOneStillLogsIn() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      Path file = pg.secrets.resolve("pgwarden-app/password");
      String old = Files.readString(file);
      int mark = pg.mark();
      Files.writeString(file, "zqNew-one\nxvsecond-line");
      JsonNode refused =
          pg.awaitLog(
              mark,
              n ->
                  n.path("msg")
                      .asText()
                      .contains(
                          "Secret pgwarden-app key password: contains a control character"
                              + " (U+000A at 9)"),
              WAIT);
      assertThat(refused.path("level").asText()).isEqualTo("error");
      try (Connection c = tcp(pg, "app", old)) {
        assertThat(c.isValid(5)).isTrue();
      }
      assertThatThrownBy(() -> tcp(pg, "app", "zqNew-one").close())
          .isInstanceOf(SQLException.class);
      assertThat(Files.readString(pg.controller.resolve("run/app.pgpass")))
          .endsWith(":" + old + "\n");
      assertThat(pg.logs().toString()).doesNotContain("zqNew", "xvsecond", old);
    }
  }

  @Test
  void aSecretKeyLinkedToTheCaKeyIsRefusedAtStartAndLive() throws Exception {
    Path app = dir.resolve("secrets/pgwarden-app/password");
    Path caKey = Path.of("../pgwarden-ca/ca.key");
    String old;
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady(); // the CA, the certificates and the owner's password generated
      old = Files.readString(app);
    }

    Files.delete(app);
    Files.createSymbolicLink(app, caKey);
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      assertThat(pg.awaitExit(WAIT)).isEqualTo(2);
      List<JsonNode> errors =
          pg.logs().stream().filter(n -> "error".equals(n.path("level").asText())).toList();
      assertThat(errors).hasSize(1);
      assertThat(errors.get(0).path("msg").asText())
          .startsWith("cannot start:")
          .contains(
              "Secret pgwarden-app key password",
              "pgwarden-ca/ca.key, outside the Secret's own directory");
      assertThat(pg.logs().toString()).doesNotContain("PRIVATE KEY");
    }
    assertThat(Files.isSymbolicLink(app)).as("the link is not replaced").isTrue();

    Files.delete(app);
    Files.writeString(app, old);
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      int mark = pg.mark();
      Path swap = Files.createSymbolicLink(app.resolveSibling("password.new"), caKey);
      Files.move(swap, app, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      pg.awaitLog(
          mark,
          n ->
              n.path("msg").asText().contains("Secret pgwarden-app key password")
                  && n.path("msg").asText().contains("outside the Secret's own directory"),
          WAIT);
      try (Connection c = tcp(pg, "app", old)) {
        assertThat(c.isValid(5)).isTrue();
      }
      assertThat(pg.logs().toString()).doesNotContain("PRIVATE KEY");
    }
  }

  @Test
  void aMountedSecretsDataLayoutIsReadAndItsSwapApplied() throws Exception {
    // kubelet: DIR/<secret>/<key> -> ..data/<key>, ..data -> ..<timestamp>/ in the same directory
    Path app = Files.createDirectories(dir.resolve("secrets/pgwarden-app"));
    Path first = Files.createDirectories(app.resolve("..2026_12_08_10_00_00.000000001"));
    Files.writeString(first.resolve("username"), "app");
    Files.writeString(first.resolve("password"), "first-Pa55word");
    Files.createSymbolicLink(app.resolve("..data"), first.getFileName());
    Files.createSymbolicLink(app.resolve("username"), Path.of("..data/username"));
    Files.createSymbolicLink(app.resolve("password"), Path.of("..data/password"));
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      try (Connection c = tcp(pg, "app", "first-Pa55word")) {
        assertThat(c.isValid(5)).isTrue();
      }

      Path second = Files.createDirectories(app.resolve("..2026_12_08_11_00_00.000000002"));
      Files.writeString(second.resolve("username"), "app");
      Files.writeString(second.resolve("password"), "second-Pa55word");
      int mark = pg.mark();
      Path swap = Files.createSymbolicLink(app.resolve("..data_tmp"), second.getFileName());
      Files.move(swap, app.resolve("..data"), StandardCopyOption.ATOMIC_MOVE);
      pg.awaitMessage(mark, "password of role app applied", WAIT);
      try (Connection c = tcp(pg, "app", "second-Pa55word")) {
        assertThat(c.isValid(5)).isTrue();
      }
      assertThat(Files.isSymbolicLink(app.resolve("password"))).isTrue();
    }
  }

  private static void awaitSetting(Pgwarden pg, String name, String value) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!value.equals(pg.query("SHOW " + name)) && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(pg.query("SHOW " + name)).isEqualTo(value);
  }

  private static Connection tcp(Pgwarden pg, String user, String password) throws SQLException {
    return KubeScene.tcp(
        pg.pgPort, pg.secrets.resolve("pgwarden-ca/ca.crt"), user, password, "verify-full");
  }
}
