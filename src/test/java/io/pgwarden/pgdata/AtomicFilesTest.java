package io.pgwarden.pgdata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AtomicFilesTest {
  /** umask(2), which the JDK does not offer. */
  interface Umask extends Library {
    Umask C = Native.load("c", Umask.class);

    int umask(int mask);
  }

  private static final Set<PosixFilePermission> MODE_0644 =
      PosixFilePermissions.fromString("rw-r--r--");

  @TempDir Path dir;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private List<String> names() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
    }
  }

  @Test
  void firstInstallWritesTheFile() throws IOException {
    Path target = dir.resolve("pg_hba.conf");
    assertThat(AtomicFiles.install(target, bytes("local all all peer\n"), AtomicFiles.OWNER_ONLY))
        .isTrue();
    assertThat(target).hasContent("local all all peer");
    assertThat(Files.readString(target)).isEqualTo("local all all peer\n");
    assertThat(Files.getPosixFilePermissions(target)).isEqualTo(AtomicFiles.OWNER_ONLY);
    assertThat(names()).containsExactly("pg_hba.conf");
  }

  @Test
  void identicalContentIsNotRewritten() throws IOException {
    Path target = dir.resolve("custom.conf");
    assertThat(AtomicFiles.install(target, bytes("a = 1\n"), AtomicFiles.OWNER_ONLY)).isTrue();
    FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
    Files.setLastModifiedTime(target, old);
    Object inode = Files.getAttribute(target, "unix:ino");

    assertThat(AtomicFiles.install(target, bytes("a = 1\n"), AtomicFiles.OWNER_ONLY)).isFalse();

    assertThat(Files.getLastModifiedTime(target)).isEqualTo(old);
    assertThat(Files.getAttribute(target, "unix:ino")).isEqualTo(inode);
    assertThat(names()).containsExactly("custom.conf");
  }

  @Test
  void changedContentIsReplaced() throws IOException {
    Path target = dir.resolve("custom.conf");
    AtomicFiles.install(target, bytes("a = 1\n"), AtomicFiles.OWNER_ONLY);
    assertThat(AtomicFiles.install(target, bytes("a = 2\n"), AtomicFiles.OWNER_ONLY)).isTrue();
    assertThat(Files.readString(target)).isEqualTo("a = 2\n");
    // Same length, different bytes.
    assertThat(AtomicFiles.install(target, bytes("a = 3\n"), AtomicFiles.OWNER_ONLY)).isTrue();
    assertThat(Files.readString(target)).isEqualTo("a = 3\n");
    // Shorter: emptied.
    assertThat(AtomicFiles.install(target, new byte[0], AtomicFiles.OWNER_ONLY)).isTrue();
    assertThat(Files.size(target)).isZero();
    assertThat(names()).containsExactly("custom.conf");
  }

  @Test
  void identicalContentWithOtherPermissionsGetsTheRequestedOnes() throws IOException {
    Path target = dir.resolve("key");
    Files.write(target, bytes("secret"));
    Files.setPosixFilePermissions(target, MODE_0644);

    assertThat(AtomicFiles.install(target, bytes("secret"), AtomicFiles.OWNER_ONLY)).isFalse();
    assertThat(Files.getPosixFilePermissions(target)).isEqualTo(AtomicFiles.OWNER_ONLY);
  }

  @Test
  void missingDirectoryIsCreated() throws IOException {
    Path target = dir.resolve("a/b/file");
    assertThat(AtomicFiles.install(target, bytes("x"), AtomicFiles.OWNER_ONLY)).isTrue();
    assertThat(target).hasContent("x");
  }

  @ParameterizedTest
  @CsvSource({
    "077, rw-r--r--",
    "077, rwxr-x---",
    "000, rw-------",
    "022, rw-rw-rw-",
    "027, rw-r-----"
  })
  void permissionsAreExactlyTheRequestedOnesWhateverTheUmask(String umask, String mode)
      throws IOException {
    Set<PosixFilePermission> wanted = PosixFilePermissions.fromString(mode);
    int previous = Umask.C.umask(Integer.parseInt(umask, 8));
    try {
      Path fresh = dir.resolve("fresh");
      assertThat(AtomicFiles.install(fresh, bytes("one"), wanted)).isTrue();
      assertThat(Files.getPosixFilePermissions(fresh)).isEqualTo(wanted);

      Path replaced = dir.resolve("replaced");
      Files.write(replaced, bytes("old"));
      assertThat(AtomicFiles.install(replaced, bytes("new"), wanted)).isTrue();
      assertThat(Files.getPosixFilePermissions(replaced)).isEqualTo(wanted);
    } finally {
      Umask.C.umask(previous);
    }
  }

  @Test
  void failedInstallLeavesNoTemporaryFileAndTheOldContent() throws IOException {
    Path target = dir.resolve("target");
    Files.createDirectory(target);
    Path inside = Files.writeString(target.resolve("keep"), "old content");

    assertThatThrownBy(() -> AtomicFiles.install(target, bytes("new"), AtomicFiles.OWNER_ONLY))
        .isInstanceOf(IOException.class);

    assertThat(names()).containsExactly("target");
    assertThat(target).isDirectory();
    assertThat(inside).hasContent("old content");
  }

  @Test
  void failedInstallIntoReadOnlyDirectoryKeepsTheOldFile() throws IOException {
    assumeTrue(DataDirectory.currentUid() != 0, "root writes into read-only directories");
    Path sub = Files.createDirectory(dir.resolve("ro"));
    Path target = sub.resolve("file");
    AtomicFiles.install(target, bytes("old"), AtomicFiles.OWNER_ONLY);
    Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("r-x------"));
    try {
      assertThatThrownBy(() -> AtomicFiles.install(target, bytes("new"), AtomicFiles.OWNER_ONLY))
          .isInstanceOf(IOException.class);
      assertThat(target).hasContent("old");
      try (Stream<Path> s = Files.list(sub)) {
        assertThat(s.map(p -> p.getFileName().toString())).containsExactly("file");
      }
    } finally {
      Files.setPosixFilePermissions(sub, PosixFilePermissions.fromString("rwx------"));
    }
  }

  @Test
  void manyInstallsLeaveOnlyTheTarget() throws IOException {
    Path target = dir.resolve("f");
    for (int i = 0; i < 20; i++) {
      AtomicFiles.install(target, bytes("v" + i), AtomicFiles.OWNER_ONLY);
    }
    assertThat(names()).containsExactly("f");
    assertThat(target).hasContent("v19");
  }
}
