package io.pgwarden.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pgwarden.spec.InvalidSpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 19, failures 8 and 9 in standalone mode: values over 1 MiB, control characters in user
 * names and passwords, and Secret files that lead out of their Secret's directory are refused by
 * name before they are used; a mounted Secret's {@code ..data} layout stays allowed.
 */
class InputLimitsTest {
  private static final int MIB = 1024 * 1024;

  @TempDir Path tmp;

  private Path secrets() {
    return tmp.resolve("secrets");
  }

  private LocalSource source() {
    return new LocalSource(Optional.empty(), secrets(), tmp.resolve("configmaps"));
  }

  private Path secretFile(String name, String key, byte[] value) throws IOException {
    Path dir = Files.createDirectories(secrets().resolve(name));
    return Files.write(dir.resolve(key), value);
  }

  private Path secretFile(String name, String key, String value) throws IOException {
    return secretFile(name, key, value.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] bytes(int size) {
    byte[] b = new byte[size];
    Arrays.fill(b, (byte) 'a');
    return b;
  }

  private static <T extends Throwable> T refused(Class<T> type, ThrowingCall call) {
    T e = catchThrowableOfType(type, call::run);
    assertThat(e).as("refused with " + type.getSimpleName()).isNotNull();
    return e;
  }

  @FunctionalInterface
  private interface ThrowingCall {
    void run() throws Exception;
  }

  @Test
  void aSpecFileOverOneMebibyteIsRefusedByNameBeforeParsing() throws Exception {
    Path spec = tmp.resolve("cluster.yaml");
    byte[] big = bytes(2 * MIB);
    byte[] head = "spec:\n  stopDelay: 60\n#".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, big, 0, head.length);
    Files.write(spec, big);
    LocalSource s = new LocalSource(Optional.of(spec), secrets(), tmp);
    InvalidSpecException e = refused(InvalidSpecException.class, s::cluster);
    assertThat(e.field()).isEqualTo(spec.toString());
    assertThat(e.getMessage()).contains("2097152 bytes", "1048576", "1 MiB");
  }

  @Test
  void aSpecFileOfExactlyOneMebibyteIsRead() throws Exception {
    Path spec = tmp.resolve("cluster.yaml");
    byte[] full = bytes(MIB);
    byte[] head = "spec:\n  stopDelay: 60\n#".getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(head, 0, full, 0, head.length);
    Files.write(spec, full);
    assertThat(new LocalSource(Optional.of(spec), secrets(), tmp).cluster().spec().stopDelay())
        .isEqualTo(60);
  }

  @Test
  void aSpecThatIsNotARegularFileIsRefusedInsteadOfBlocking() throws Exception {
    Path fifo = tmp.resolve("cluster.yaml");
    Process mkfifo = new ProcessBuilder("mkfifo", fifo.toString()).start();
    assertThat(mkfifo.waitFor()).isZero();
    LocalSource s = new LocalSource(Optional.of(fifo), secrets(), tmp);
    IOException e = refused(IOException.class, s::cluster);
    assertThat(e.getMessage()).contains(fifo.toString(), "not a regular file");
  }

  @Test
  void aSecretValueOverOneMebibyteIsRefusedByName() throws Exception {
    secretFile("pgwarden-app", "username", "app");
    secretFile("pgwarden-app", "password", bytes(MIB + 1));
    InputRefusedException e =
        refused(InputRefusedException.class, () -> source().secret("pgwarden-app", "password"));
    assertThat(e.getMessage())
        .startsWith("Secret pgwarden-app key password")
        .contains("1048577 bytes", "limit of 1048576");
    refused(InputRefusedException.class, () -> source().ownerCredentials("pgwarden-app", "app"));
    assertThat(Files.size(secrets().resolve("pgwarden-app/password")))
        .as("a refused password is never replaced by a generated one")
        .isEqualTo(MIB + 1);
    secretFile("pgwarden-app", "password", bytes(MIB));
    assertThat(source().secret("pgwarden-app", "password"))
        .hasValueSatisfying(v -> assertThat(v).hasSize(MIB));
  }

  @Test
  void aConfigMapValueOverOneMebibyteIsRefusedByName() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("configmaps/queries"));
    Files.write(dir.resolve("custom.yaml"), bytes(2 * MIB));
    InputRefusedException e =
        refused(InputRefusedException.class, () -> source().configMap("queries", "custom.yaml"));
    assertThat(e.getMessage()).startsWith("ConfigMap queries key custom.yaml").contains("2097152");
  }

  @Test
  void aPasswordWithANewlineIsRefusedByNameWithoutShowingIt() throws Exception {
    secretFile("pgwarden-app", "username", "app");
    secretFile("pgwarden-app", "password", "s3cret-one\nsecond-line");
    InputRefusedException e =
        refused(
            InputRefusedException.class, () -> source().ownerCredentials("pgwarden-app", "app"));
    assertThat(e.getMessage())
        .startsWith("Secret pgwarden-app key password: contains a control character (U+000A at 10)")
        .doesNotContain("s3cret", "second");
    refused(InputRefusedException.class, () -> source().credentials("pgwarden-app"));
  }

  @Test
  void everyControlCharacterIsRefusedInPasswordsAndUserNames() throws Exception {
    secretFile("s", "username", "postgres");
    for (char c : new char[] {'\0', '\r', '\t', 0x1b, 0x7f, 0x85}) {
      secretFile("s", "password", "zq" + c + "xv");
      InputRefusedException e =
          refused(InputRefusedException.class, () -> source().credentials("s"));
      assertThat(e.getMessage())
          .contains(String.format("U+%04X at 2", (int) c))
          .doesNotContain("zq", "xv");
    }
    secretFile("s", "password", "ok");
    secretFile("s", "username", "post\0gres");
    assertThat(refused(InputRefusedException.class, () -> source().credentials("s")).getMessage())
        .startsWith("Secret s key username: contains a control character (U+0000 at 4)");
  }

  @Test
  void aPasswordThatIsNotUtf8IsRefused() throws Exception {
    secretFile("s", "username", "u");
    secretFile("s", "password", new byte[] {'p', (byte) 0xff, 'w'});
    assertThat(refused(InputRefusedException.class, () -> source().credentials("s")).getMessage())
        .startsWith("Secret s key password: is not valid UTF-8");
  }

  @Test
  void oneTrailingNewlineOfAHandWrittenFileIsStillAllowedAndATabInsideIsNot() throws Exception {
    secretFile("s", "username", "u\n");
    secretFile("s", "password", "pass word\n");
    assertThat(source().credentials("s"))
        .hasValueSatisfying(c -> assertThat(new String(c.password())).isEqualTo("pass word"));
    secretFile("s", "password", "pass\n\n");
    assertThat(refused(InputRefusedException.class, () -> source().credentials("s")).getMessage())
        .contains("U+000A at 4");
  }

  @Test
  void aSecretKeyLinkedOutsideItsDirectoryIsRefusedByName() throws Exception {
    Path ca = secretFile("pgwarden-ca", "ca.key", "-----BEGIN PRIVATE KEY-----\n");
    Path app = Files.createDirectories(secrets().resolve("pgwarden-app"));
    Files.writeString(app.resolve("username"), "app");
    Files.createSymbolicLink(app.resolve("password"), Path.of("../pgwarden-ca/ca.key"));
    InputRefusedException e =
        refused(
            InputRefusedException.class, () -> source().ownerCredentials("pgwarden-app", "app"));
    assertThat(e.getMessage())
        .startsWith("Secret pgwarden-app key password")
        .contains(ca.toRealPath().toString(), "outside the Secret's own directory")
        .doesNotContain("BEGIN");
    assertThat(Files.isSymbolicLink(app.resolve("password")))
        .as("the link is left alone, not replaced by a generated password")
        .isTrue();

    Files.delete(app.resolve("password"));
    Files.createSymbolicLink(app.resolve("password"), Path.of("/etc/passwd"));
    assertThat(
            refused(InputRefusedException.class, () -> source().secret("pgwarden-app", "password"))
                .getMessage())
        .contains("/etc/passwd", "outside");
  }

  @Test
  void aKeyReachingOutThroughALinkedDirectoryOrAHardLinkIsRefused() throws Exception {
    secretFile("pgwarden-ca", "ca.key", "key");
    Path app = Files.createDirectories(secrets().resolve("pgwarden-app"));
    Files.createSymbolicLink(app.resolve("..data"), Path.of("../pgwarden-ca"));
    Files.createSymbolicLink(app.resolve("password"), Path.of("..data/ca.key"));
    assertThat(
            refused(InputRefusedException.class, () -> source().secret("pgwarden-app", "password"))
                .getMessage())
        .contains("outside");

    Path other = Files.createDirectories(secrets().resolve("other"));
    Files.createLink(other.resolve("password"), secrets().resolve("pgwarden-ca/ca.key"));
    assertThat(
            refused(InputRefusedException.class, () -> source().secret("other", "password"))
                .getMessage())
        .startsWith("Secret other key password")
        .contains("2 hard links");
  }

  @Test
  void aConfigMapKeyLinkedOutsideIsRefusedToo() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("configmaps/queries"));
    Files.createSymbolicLink(dir.resolve("custom.yaml"), Path.of("/etc/passwd"));
    assertThat(
            refused(InputRefusedException.class, () -> source().configMap("queries", "custom.yaml"))
                .getMessage())
        .startsWith("ConfigMap queries key custom.yaml");
  }

  @Test
  void aMountedSecretsDataLayoutIsRead() throws Exception {
    // kubelet: DIR/<secret>/<key> -> ..data/<key>, ..data -> ..<timestamp>/ in the same directory
    Path app = Files.createDirectories(secrets().resolve("pgwarden-app"));
    Path version = Files.createDirectories(app.resolve("..2026_12_08_10_00_00.123456789"));
    Files.writeString(version.resolve("username"), "app");
    Files.writeString(version.resolve("password"), "first-password");
    Files.createSymbolicLink(app.resolve("..data"), version.getFileName());
    Files.createSymbolicLink(app.resolve("username"), Path.of("..data/username"));
    Files.createSymbolicLink(app.resolve("password"), Path.of("..data/password"));
    Credentials c = source().ownerCredentials("pgwarden-app", "app");
    assertThat(c.username()).isEqualTo("app");
    assertThat(new String(c.password())).isEqualTo("first-password");

    // The swap kubelet makes: a new version directory, then ..data replaced atomically.
    Path next = Files.createDirectories(app.resolve("..2026_12_08_11_00_00.987654321"));
    Files.writeString(next.resolve("username"), "app");
    Files.writeString(next.resolve("password"), "second-password");
    Path tmpLink = Files.createSymbolicLink(app.resolve("..data_tmp"), next.getFileName());
    Files.move(tmpLink, app.resolve("..data"), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    assertThat(source().credentials("pgwarden-app"))
        .hasValueSatisfying(
            cr -> assertThat(new String(cr.password())).isEqualTo("second-password"));
  }

  @Test
  void aSecretsDirectoryThatIsItselfALinkIsFollowed() throws Exception {
    Path real = Files.createDirectories(tmp.resolve("elsewhere/pgwarden-app"));
    Files.writeString(real.resolve("password"), "pw");
    Files.createDirectories(secrets());
    Files.createSymbolicLink(secrets().resolve("pgwarden-app"), real);
    assertThat(source().secret("pgwarden-app", "password")).isPresent();
  }

  @Test
  void namesThatAreNotPlainFileNamesAreRefused() throws Exception {
    secretFile("s", "password", "x");
    for (String key : new String[] {"..data", "../s/password", ".", ""}) {
      refused(InputRefusedException.class, () -> source().secret("s", key));
    }
    refused(InputRefusedException.class, () -> source().secret("..", "password"));
  }
}
