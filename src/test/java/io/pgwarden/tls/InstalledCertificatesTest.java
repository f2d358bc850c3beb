package io.pgwarden.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstalledCertificatesTest {
  private final Issued ca = TestPki.ca("pg");
  private final Issued server = TestPki.server(ca);
  private final Issued replication = TestPki.replication(ca);

  @TempDir Path dir;

  private boolean install(Issued server, Issued replication) throws Exception {
    return TlsMaterial.validate(
            server.certificatePem(),
            server.privateKeyPem(),
            ca.certificatePem(),
            ca.certificatePem(),
            replication.certificatePem(),
            replication.privateKeyPem(),
            TestPki.NOW)
        .install(dir);
  }

  private List<String> files() throws Exception {
    try (Stream<Path> list = Files.list(dir)) {
      return list.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writesTheSixFilesOwnerOnlyThenReportsNoChange() throws Exception {
    assertThat(install(server, replication)).isTrue();

    assertThat(files())
        .containsExactly(
            "client-ca.crt",
            "server-ca.crt",
            "server.crt",
            "server.key",
            "streaming_replica.crt",
            "streaming_replica.key");
    for (String file : files()) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(file))))
          .isEqualTo("rw-------");
    }
    assertThat(Files.readAllBytes(dir.resolve("server.key"))).isEqualTo(server.privateKeyPem());
    assertThat(install(server, replication)).isFalse();
  }

  @Test
  void aRotatedServerCertificateIsAChange() throws Exception {
    install(server, replication);
    assertThat(install(TestPki.server(ca), replication)).isTrue();
  }

  @Test
  void aServerCertificateFromAnotherCaWritesNothing() {
    Issued foreign = TestPki.server(TestPki.ca("other"));
    assertThatThrownBy(() -> install(foreign, replication))
        .isInstanceOf(TlsMaterialException.class)
        .hasMessageContaining("server certificate")
        .hasMessageContaining("was not issued by the CA");
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void aBadReplicationKeyWritesNothingEvenAfterAGoodInstall() throws Exception {
    install(server, replication);
    byte[] before = Files.readAllBytes(dir.resolve("server.crt"));
    Issued newServer = TestPki.server(ca);
    Issued mismatched = new Issued(replication.chain(), TestPki.replication(ca).privateKey());

    assertThatThrownBy(() -> install(newServer, mismatched))
        .hasMessageContaining("replication: the private key does not belong to certificate");
    assertThat(Files.readAllBytes(dir.resolve("server.crt"))).isEqualTo(before);
  }

  @Test
  void garbageKeyWritesNothing() {
    assertThatThrownBy(
            () ->
                TlsMaterial.validate(
                        server.certificatePem(),
                        "garbage".getBytes(java.nio.charset.StandardCharsets.US_ASCII),
                        ca.certificatePem(),
                        ca.certificatePem(),
                        replication.certificatePem(),
                        replication.privateKeyPem(),
                        TestPki.NOW)
                    .install(dir))
        .hasMessage("server private key: no PEM block found (expected -----BEGIN ...----- lines)");
    assertThat(dir).isEmptyDirectory();
  }

  @Test
  void aReplicationCertificateForAnotherRoleIsRefused() {
    Issued wrongCn = TestPki.at(TestPki.NOW).issueClient(ca, "app", Duration.ofDays(90));
    assertThatThrownBy(() -> install(server, wrongCn))
        .hasMessageContaining("replication certificate subject is \"CN=app\"")
        .hasMessageContaining("CN=streaming_replica");
    assertThat(dir).isEmptyDirectory();
  }
}
