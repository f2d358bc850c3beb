package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Unusable input: pgwarden exits 2 with one error line naming the input, and writes nothing. */
class BadInputIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path dir;

  @Test
  void aPortInUseIsNamedAndNothingIsBootstrapped() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir);
        ServerSocket busy = new ServerSocket()) {
      busy.bind(new InetSocketAddress(pg.pgPort));
      pg.start();
      assertThat(pg.awaitExit(WAIT)).isEqualTo(2);
      assertThat(errorLine(pg)).contains("--pg-port").contains(Integer.toString(pg.pgPort));
      assertThat(pg.data).doesNotExist();
    }
  }

  @Test
  void aDataDirectoryWithLooseModeIsRefused() throws Exception {
    Path data = Files.createDirectories(dir.resolve("pgdata"));
    Files.writeString(data.resolve("PG_VERSION"), "15\n");
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwxr-xr-x"));
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      assertThat(pg.awaitExit(WAIT)).isEqualTo(2);
      assertThat(errorLine(pg)).contains("--data").contains("0700");
    }
  }

  @Test
  void aNonEmptyDirectoryWithoutAClusterIsRefused() throws Exception {
    Path data = Files.createDirectories(dir.resolve("pgdata"));
    Files.setPosixFilePermissions(data, PosixFilePermissions.fromString("rwx------"));
    Files.writeString(data.resolve("notes.txt"), "mine");
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      assertThat(pg.awaitExit(WAIT)).isEqualTo(2);
      assertThat(errorLine(pg)).contains("--data").contains("PG_VERSION");
      assertThat(Files.readString(data.resolve("notes.txt"))).isEqualTo("mine");
    }
  }

  @Test
  void anUnknownSpecFieldIsNamedByItsPath() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(
        spec,
        """
        apiVersion: postgresql.cnpg.io/v1
        kind: Cluster
        metadata:
          name: demo
        spec:
          postgresql:
            paramters:
              work_mem: 8MB
        """);
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      assertThat(pg.awaitExit(WAIT)).isEqualTo(2);
      assertThat(errorLine(pg)).contains("spec.postgresql.paramters").contains("unknown field");
      assertThat(pg.data).doesNotExist();
    }
  }

  @Test
  void aMalformedValueIsNamedByItsPath() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(spec, "spec:\n  stopDelay: soon\n");
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      assertThat(pg.awaitExit(WAIT)).isEqualTo(2);
      assertThat(errorLine(pg)).contains("spec.stopDelay");
    }
  }

  private static String errorLine(Pgwarden pg) {
    return pg.logs().stream()
        .filter(n -> "error".equals(n.path("level").asText()))
        .map(JsonNode::toString)
        .findFirst()
        .orElseThrow(() -> new AssertionError("no error line; output:\n" + pg.tail(30)));
  }
}
