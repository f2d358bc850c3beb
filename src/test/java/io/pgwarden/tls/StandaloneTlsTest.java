package io.pgwarden.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StandaloneTlsTest {
  private static final List<String> FILES =
      List.of(
          "pg-ca/ca.crt",
          "pg-ca/ca.key",
          "pg-server/tls.crt",
          "pg-server/tls.key",
          "pg-replication/tls.crt",
          "pg-replication/tls.key");

  @TempDir Path secrets;

  private Map<String, byte[]> contents() throws Exception {
    Map<String, byte[]> out = new HashMap<>();
    for (String file : FILES) {
      out.put(file, Files.readAllBytes(secrets.resolve(file)));
    }
    return out;
  }

  private Map<String, FileTime> mtimes() throws Exception {
    Map<String, FileTime> out = new HashMap<>();
    for (String file : FILES) {
      out.put(file, Files.getLastModifiedTime(secrets.resolve(file)));
    }
    return out;
  }

  private StandaloneTls.Outcome ensure(Instant now) throws Exception {
    return StandaloneTls.ensure(secrets, "pg", List.of("pg-rw", "localhost"), now);
  }

  @Test
  void firstStartGeneratesEverythingOwnerOnly() throws Exception {
    StandaloneTls.Outcome outcome = ensure(TestPki.NOW);

    assertThat(outcome.generated()).containsExactly("pg-ca", "pg-server", "pg-replication");
    assertThat(outcome.reused()).isEmpty();
    for (String file : FILES) {
      Path path = secrets.resolve(file);
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path)))
          .as(file)
          .isEqualTo("rw-------");
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(path.getParent())))
          .isEqualTo("rwx------");
    }
    assertThat(Files.readString(secrets.resolve("pg-server/tls.key")))
        .startsWith("-----BEGIN PRIVATE KEY-----");

    // What was written is a coherent set that install() accepts.
    Map<String, byte[]> c = contents();
    assertThat(
            TlsMaterial.validate(
                    c.get("pg-server/tls.crt"),
                    c.get("pg-server/tls.key"),
                    c.get("pg-ca/ca.crt"),
                    c.get("pg-ca/ca.crt"),
                    c.get("pg-replication/tls.crt"),
                    c.get("pg-replication/tls.key"),
                    TestPki.NOW)
                .install(secrets.resolve("certificates")))
        .isTrue();
    assertThat(
            Pem.certificates(c.get("pg-server/tls.crt"), "x").get(0).getSubjectAlternativeNames())
        .contains(List.of(2, "pg-rw"), List.of(7, "127.0.0.1"));
  }

  @Test
  void secondStartReusesEverythingAndTouchesNothing() throws Exception {
    ensure(TestPki.NOW);
    Map<String, byte[]> before = contents();
    // Push mtimes into the past so that a rewrite within the same clock tick would still show.
    FileTime old = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
    for (String file : FILES) {
      Files.setLastModifiedTime(secrets.resolve(file), old);
    }

    StandaloneTls.Outcome outcome = ensure(TestPki.NOW.plus(Duration.ofDays(30)));

    assertThat(outcome.generated()).isEmpty();
    assertThat(outcome.reused()).containsExactly("pg-ca", "pg-server", "pg-replication");
    assertThat(contents()).containsExactlyInAnyOrderEntriesOf(before);
    assertThat(mtimes()).allSatisfy((file, mtime) -> assertThat(mtime).isEqualTo(old));
  }

  @Test
  void anExpiredServerCertificateIsReissuedByTheSameCa() throws Exception {
    ensure(TestPki.NOW);
    Map<String, byte[]> before = contents();
    // The server certificate expires; the CA is still valid (pretend it lives longer).
    Issued ca =
        new Issued(
            Pem.certificates(before.get("pg-ca/ca.crt"), "ca"),
            Pem.privateKey(before.get("pg-ca/ca.key"), "ca"));
    Issued shortLived =
        TestPki.at(TestPki.NOW)
            .issueServer(ca, "pg-rw", List.of("pg-rw"), List.of(), Duration.ofDays(1));
    Files.write(secrets.resolve("pg-server/tls.crt"), shortLived.certificatePem());
    Files.write(secrets.resolve("pg-server/tls.key"), shortLived.privateKeyPem());

    StandaloneTls.Outcome outcome = ensure(TestPki.NOW.plus(Duration.ofDays(2)));

    assertThat(outcome.generated()).containsExactly("pg-server");
    Map<String, byte[]> after = contents();
    assertThat(after.get("pg-ca/ca.crt")).isEqualTo(before.get("pg-ca/ca.crt"));
    assertThat(after.get("pg-replication/tls.crt")).isEqualTo(before.get("pg-replication/tls.crt"));
    Pem.certificates(after.get("pg-server/tls.crt"), "x")
        .get(0)
        .verify(ca.certificate().getPublicKey());
  }

  @Test
  void aNewCaReissuesBothLeaves() throws Exception {
    ensure(TestPki.NOW);
    Files.delete(secrets.resolve("pg-ca/ca.crt"));

    StandaloneTls.Outcome outcome = ensure(TestPki.NOW);

    assertThat(outcome.generated()).containsExactly("pg-ca", "pg-server", "pg-replication");
  }

  @Test
  void aCertificateWithoutItsKeyIsRefusedNotOverwritten() throws Exception {
    ensure(TestPki.NOW);
    Files.delete(secrets.resolve("pg-server/tls.key"));
    byte[] crt = Files.readAllBytes(secrets.resolve("pg-server/tls.crt"));

    assertThatThrownBy(() -> ensure(TestPki.NOW))
        .isInstanceOf(TlsMaterialException.class)
        .hasMessageContaining("secret pg-server has tls.crt but no tls.key");
    assertThat(Files.readAllBytes(secrets.resolve("pg-server/tls.crt"))).isEqualTo(crt);
  }

  @Test
  void aLeafFromAnotherCaIsRefused() throws Exception {
    ensure(TestPki.NOW);
    Issued foreign = TestPki.replication(TestPki.ca("elsewhere"));
    Files.write(secrets.resolve("pg-replication/tls.crt"), foreign.certificatePem());
    Files.write(secrets.resolve("pg-replication/tls.key"), foreign.privateKeyPem());

    assertThatThrownBy(() -> ensure(TestPki.NOW))
        .hasMessageContaining("secret pg-replication certificate")
        .hasMessageContaining("was not issued by the CA \"CN=pg\"");
  }

  @Test
  void aBadClusterNameIsRefused() {
    assertThatThrownBy(() -> StandaloneTls.ensure(secrets, "../x", List.of(), TestPki.NOW))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"../x\"");
  }
}
