package io.pgwarden.source;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.pgwarden.spec.Cluster;
import io.pgwarden.spec.InvalidSpecException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalSourceTest {
  @TempDir Path tmp;

  private LocalSource source() {
    return new LocalSource(Optional.empty(), tmp.resolve("secrets"), tmp.resolve("configmaps"));
  }

  private Path secretFile(String name, String key, String value) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("secrets").resolve(name));
    return Files.writeString(dir.resolve(key), value);
  }

  @Test
  void noSpecFileGivesTheDefaults() throws Exception {
    assertThat(source().cluster()).isEqualTo(Cluster.defaults());
    assertThat(source().cluster().name()).isEqualTo("pgwarden");
  }

  @Test
  void specFileIsParsed() throws Exception {
    Path spec =
        Files.writeString(
            tmp.resolve("cluster.yaml"),
            """
            apiVersion: postgresql.cnpg.io/v1
            kind: Cluster
            metadata:
              name: db
            spec:
              stopDelay: 60
            """);
    LocalSource s = new LocalSource(Optional.of(spec), tmp, tmp);
    Cluster c = s.cluster();
    assertThat(c.name()).isEqualTo("db");
    assertThat(c.spec().stopDelay()).isEqualTo(60);
  }

  @Test
  void invalidSpecFileIsRefusedWithItsPath() throws Exception {
    Path spec = Files.writeString(tmp.resolve("cluster.yaml"), "spec:\n  stopDelai: 60\n");
    LocalSource s = new LocalSource(Optional.of(spec), tmp, tmp);
    InvalidSpecException e = catchThrowableOfType(InvalidSpecException.class, s::cluster);
    assertThat(e).isNotNull();
    assertThat(e.field()).isEqualTo("spec.stopDelai");
    assertThat(e.getMessage()).contains(spec.toString());
  }

  @Test
  void secretIsReadFromDirNameKey() throws Exception {
    secretFile("db-app", "username", "app");
    assertThat(source().secret("db-app", "username"))
        .hasValueSatisfying(
            v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("app"));
    assertThat(source().secret("db-app", "password")).isEmpty();
    assertThat(source().secret("other", "username")).isEmpty();
    assertThat(source().describeSecret("db-app", "password"))
        .isEqualTo("the file " + tmp.resolve("secrets/db-app/password"));
  }

  @Test
  void configMapIsReadFromDirNameKey() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("configmaps/queries"));
    Files.writeString(dir.resolve("custom.yaml"), "pg_up: {}\n");
    assertThat(source().configMap("queries", "custom.yaml"))
        .hasValueSatisfying(
            v -> assertThat(new String(v, StandardCharsets.UTF_8)).isEqualTo("pg_up: {}\n"));
    assertThat(source().configMap("queries", "other.yaml")).isEmpty();
  }

  @Test
  void ensureCredentialsGeneratesAPasswordOnce() throws Exception {
    LocalSource s = source();
    Credentials first = s.ownerCredentials("db-app", "app");

    assertThat(first.username()).isEqualTo("app");
    String password = new String(first.password());
    assertThat(password).hasSize(32).matches("[A-Za-z0-9]{32}");

    Path dir = tmp.resolve("secrets/db-app");
    assertThat(Files.getPosixFilePermissions(dir))
        .isEqualTo(PosixFilePermissions.fromString("rwx------"));
    for (String key : new String[] {"username", "password"}) {
      assertThat(Files.getPosixFilePermissions(dir.resolve(key)))
          .as(key)
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }
    assertThat(dir.resolve("password")).hasContent(password);
    assertThat(Files.readString(dir.resolve("username"))).isEqualTo("app");

    FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
    Files.setLastModifiedTime(dir.resolve("password"), old);
    Files.setLastModifiedTime(dir.resolve("username"), old);

    Credentials second = s.ownerCredentials("db-app", "app");
    assertThat(new String(second.password())).isEqualTo(password);
    assertThat(second.username()).isEqualTo("app");
    assertThat(Files.getLastModifiedTime(dir.resolve("password"))).isEqualTo(old);
    assertThat(Files.getLastModifiedTime(dir.resolve("username"))).isEqualTo(old);
  }

  @Test
  void generatedPasswordsDiffer() throws Exception {
    String a = new String(source().ownerCredentials("a", "app").password());
    String b = new String(source().ownerCredentials("b", "app").password());
    assertThat(a).isNotEqualTo(b);
  }

  @Test
  void existingUsernameIsKeptAndOnlyThePasswordGenerated() throws Exception {
    secretFile("db-app", "username", "shop\n");
    Credentials c = source().ownerCredentials("db-app", "app");
    assertThat(c.username()).isEqualTo("shop");
    assertThat(c.password()).hasSize(32);
    assertThat(Files.readString(tmp.resolve("secrets/db-app/username"))).isEqualTo("shop\n");
  }

  @Test
  void trailingNewlineOfAHandWrittenPasswordIsNotPartOfIt() throws Exception {
    secretFile("db-app", "username", "app\n");
    Path file = secretFile("db-app", "password", "s3cret pass\n");

    Credentials c = source().ownerCredentials("db-app", "app");

    assertThat(new String(c.password())).isEqualTo("s3cret pass");
    assertThat(c.username()).isEqualTo("app");
    assertThat(file).hasContent("s3cret pass");
    assertThat(Files.readString(file)).isEqualTo("s3cret pass\n");
    assertThat(source().credentials("db-app"))
        .hasValueSatisfying(cr -> assertThat(new String(cr.password())).isEqualTo("s3cret pass"));
  }

  @Test
  void onlyOneTrailingNewlineIsRemovedAndASecondIsRefused() throws Exception {
    secretFile("s", "username", "u");
    secretFile("s", "password", "p\n\n");
    IOException e = catchThrowableOfType(IOException.class, () -> source().credentials("s"));
    assertThat(e).isInstanceOf(InputRefusedException.class);
    assertThat(e.getMessage()).contains("U+000A at 1");
  }

  @Test
  void credentialsNeedBothKeys() throws Exception {
    assertThat(source().credentials("none")).isEmpty();
    secretFile("half", "username", "u");
    assertThat(source().credentials("half")).isEmpty();
    secretFile("half", "password", "p");
    assertThat(source().credentials("half")).isPresent();
  }

  @Test
  void credentialsToStringNeverShowsThePassword() throws Exception {
    Credentials c = source().ownerCredentials("db-app", "app");
    String password = new String(c.password());
    assertThat(c.toString()).doesNotContain(password).contains("app").contains("redacted");

    Credentials manual = new Credentials("bob", "hunter2".toCharArray());
    assertThat(manual.toString()).doesNotContain("hunter2").contains("bob");
  }

  @Test
  void passwordIsACopy() {
    char[] given = "hunter2".toCharArray();
    Credentials c = new Credentials("bob", given);
    given[0] = 'X';
    char[] out = c.password();
    out[1] = 'Y';
    assertThat(new String(c.password())).isEqualTo("hunter2");
  }

  @Test
  void ownerCredentialsThatCannotBeWrittenSayWhatToFix() throws Exception {
    Path notADirectory = Files.writeString(tmp.resolve("secrets"), "a file, not a directory");
    LocalSource s = new LocalSource(Optional.empty(), notADirectory, tmp.resolve("configmaps"));
    IOException e =
        catchThrowableOfType(IOException.class, () -> s.ownerCredentials("db-app", "app"));
    assertThat(e.getMessage())
        .startsWith("--secrets: ")
        .endsWith(notADirectory + " must be readable and writable by pgwarden's user");
  }
}
