package io.pgwarden.pgdata;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InitdbTest {
  @TempDir Path tmp;

  @Test
  void deleteTreeRemovesNestedDirectories() throws IOException {
    Path root = tmp.resolve(".pgdata.initdb");
    Files.createDirectories(root.resolve("base/1/2"));
    Files.createDirectories(root.resolve("global"));
    Files.createDirectories(root.resolve("pg_wal/archive_status"));
    Files.writeString(root.resolve("PG_VERSION"), "15\n");
    Files.writeString(root.resolve("base/1/2/1259"), "x");
    Files.writeString(root.resolve("global/pg_control"), "y");
    Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));

    Initdb.deleteTree(root);

    assertThat(root).doesNotExist();
    assertThat(tmp).isEmptyDirectory();
  }

  @Test
  void deleteTreeOfMissingPathDoesNothing() throws IOException {
    Initdb.deleteTree(tmp.resolve("missing"));
    assertThat(tmp).isEmptyDirectory();
  }

  @Test
  void deleteTreeOfAFileDeletesIt() throws IOException {
    Path f = Files.writeString(tmp.resolve("f"), "x");
    Initdb.deleteTree(f);
    assertThat(f).doesNotExist();
  }

  @Test
  void deleteTreeDoesNotFollowSymlinks() throws IOException {
    Path outside = Files.createDirectory(tmp.resolve("outside"));
    Path precious = Files.writeString(outside.resolve("precious"), "keep me");
    Path root = Files.createDirectories(tmp.resolve("tree/sub"));
    Files.createSymbolicLink(root.resolve("link"), outside);

    Initdb.deleteTree(tmp.resolve("tree"));

    assertThat(tmp.resolve("tree")).doesNotExist();
    assertThat(precious).hasContent("keep me");
  }
}
