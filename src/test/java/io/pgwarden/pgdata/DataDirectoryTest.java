package io.pgwarden.pgdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DataDirectoryTest {
  private static final String FLAG = "--data";

  @TempDir Path tmp;

  private Path pgdata(String mode) throws IOException {
    Path d = Files.createDirectory(tmp.resolve("pgdata"));
    Files.setPosixFilePermissions(d, PosixFilePermissions.fromString(mode));
    return d;
  }

  private static InvalidDataDirectoryException refused(Path dir) {
    InvalidDataDirectoryException e =
        catchThrowableOfType(
            InvalidDataDirectoryException.class, () -> DataDirectory.inspect(dir, FLAG));
    assertThat(e).as("expected %s to be refused", dir).isNotNull();
    return e;
  }

  @Test
  void missingIsEmpty() throws Exception {
    assertThat(DataDirectory.inspect(tmp.resolve("nope"), FLAG))
        .isEqualTo(DataDirectory.State.EMPTY);
  }

  @Test
  void emptyDirectoryIsEmptyWhateverItsMode() throws Exception {
    assertThat(DataDirectory.inspect(pgdata("rwxr-xr-x"), FLAG))
        .isEqualTo(DataDirectory.State.EMPTY);
  }

  @Test
  void clusterWithMode0700IsInitialized() throws Exception {
    Path d = pgdata("rwx------");
    Files.writeString(d.resolve("PG_VERSION"), "15\n");
    assertThat(DataDirectory.inspect(d, FLAG)).isEqualTo(DataDirectory.State.INITIALIZED);
    assertThat(DataDirectory.majorVersion(d)).isEqualTo(15);
  }

  @Test
  void clusterWithMode0750IsInitialized() throws Exception {
    Path d = pgdata("rwxr-x---");
    Files.writeString(d.resolve("PG_VERSION"), "15\n");
    assertThat(DataDirectory.inspect(d, FLAG)).isEqualTo(DataDirectory.State.INITIALIZED);
  }

  @Test
  void nonEmptyWithoutPgVersionIsRefused() throws Exception {
    Path d = pgdata("rwx------");
    Files.writeString(d.resolve("notes.txt"), "hello");
    InvalidDataDirectoryException e = refused(d);
    assertThat(e.getMessage())
        .startsWith(FLAG + ": ")
        .contains("PG_VERSION")
        .contains(d.toString());
  }

  @Test
  void pgVersionThatIsADirectoryIsRefused() throws Exception {
    Path d = pgdata("rwx------");
    Files.createDirectory(d.resolve("PG_VERSION"));
    assertThat(refused(d).getMessage()).contains("PG_VERSION");
  }

  @Test
  void nonEmptyWithMode0755IsRefused() throws Exception {
    Path d = pgdata("rwxr-xr-x");
    Files.writeString(d.resolve("PG_VERSION"), "15\n");
    InvalidDataDirectoryException e = refused(d);
    assertThat(e.getMessage()).startsWith(FLAG + ": ").contains("0700").contains("rwxr-xr-x");
  }

  @Test
  void regularFileIsRefused() throws Exception {
    Path f = Files.writeString(tmp.resolve("pgdata"), "not a directory");
    InvalidDataDirectoryException e = refused(f);
    assertThat(e.getMessage()).startsWith(FLAG + ": ").contains("not a directory");
  }

  @Test
  void danglingSymlinkIsRefused() throws Exception {
    Path link = Files.createSymbolicLink(tmp.resolve("pgdata"), tmp.resolve("missing"));
    assertThat(refused(link).getMessage()).contains("not a directory");
  }

  @Test
  void directoryOfAnotherUserIsRefused() throws Exception {
    assumeTrue(DataDirectory.currentUid() == 0, "only root can give a directory away");
    Path d = pgdata("rwx------");
    Files.writeString(d.resolve("PG_VERSION"), "15\n");
    Files.setAttribute(d, "unix:uid", 65534);
    InvalidDataDirectoryException e = refused(d);
    assertThat(e.getMessage()).startsWith(FLAG + ": ").contains("uid 65534").contains("uid 0");
  }

  @Test
  void currentUidIsThisProcesssUid() throws Exception {
    Path f = Files.writeString(tmp.resolve("mine"), "x");
    assertThat(DataDirectory.currentUid()).isEqualTo(Files.getAttribute(f, "unix:uid"));
  }
}
