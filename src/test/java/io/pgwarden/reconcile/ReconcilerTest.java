package io.pgwarden.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.core.Reporter;
import io.pgwarden.settings.ControllerLayout;
import io.pgwarden.source.LocalSource;
import io.pgwarden.spec.Cluster;
import io.pgwarden.tls.StandaloneTls;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The reconciler against real files: what it installs, and the changes it says it made. */
class ReconcilerTest {
  private static final String SPEC =
      """
      apiVersion: postgresql.cnpg.io/v1
      kind: Cluster
      metadata:
        name: pgwarden
      spec:
        postgresql:
          parameters:
            work_mem: "%s"
      """;

  @TempDir Path dir;
  private Path secrets;
  private Path spec;
  private Path data;
  private ControllerLayout controller;
  private final List<String> refused = new ArrayList<>();
  private final List<String> postgresRefuses = new ArrayList<>();
  private Reconciler reconciler;

  @BeforeEach
  void setUp() throws Exception {
    secrets = Files.createDirectories(dir.resolve("secrets"));
    data = Files.createDirectories(dir.resolve("data"));
    controller = new ControllerLayout(dir.resolve("controller"));
    Files.createDirectories(controller.certificates());
    spec = dir.resolve("cluster.yaml");
    writeSpec("8MB");
    generateTls();
    LocalSource source =
        new LocalSource(Optional.of(spec), secrets, Files.createDirectories(dir.resolve("cm")));
    Cluster initial = source.cluster();
    Reporter reporter =
        new Reporter() {
          @Override
          public void refused(String field, String reason) {
            refused.add(field);
          }
        };
    reconciler =
        new Reconciler(
            source,
            controller,
            data,
            5432,
            "postgres",
            initial,
            "",
            "",
            () -> List.copyOf(postgresRefuses),
            reporter,
            Clock.systemUTC());
  }

  @Test
  void aCertificateOnlyChangeChangesTheHashPostgresMustReport() throws Exception {
    Changes first = reconciler.reconcile();
    assertThat(first.certificates()).isPresent();
    assertThat(first.files()).contains("custom.conf", "pg_hba.conf", "pg_ident.conf");
    Changes unchanged = reconciler.reconcile();
    assertThat(unchanged.needsReload()).isFalse();
    assertThat(unchanged.configHash()).isEqualTo(first.configHash());

    rotateServerCertificate();
    Changes rotated = reconciler.reconcile();

    assertThat(rotated.certificates()).isPresent();
    assertThat(rotated.certificates().get().fingerprint())
        .isNotEqualTo(first.certificates().get().fingerprint());
    // The hash postgres reports once it reloaded must differ, or the wait for it proves nothing.
    assertThat(rotated.configHash()).isNotEqualTo(first.configHash());
    assertThat(rotated.files()).containsExactly("custom.conf");
    assertThat(Files.readString(data.resolve("custom.conf")))
        .contains("cnpg.config_sha256 = '" + rotated.configHash() + "'");
    assertThat(Files.readAllBytes(controller.certificates().resolve("server.crt")))
        .isEqualTo(Files.readAllBytes(secrets.resolve("pgwarden-server/tls.crt")));
  }

  @Test
  void refusedTlsMaterialLeavesTheFilesAndTheHashAndIsReportedOnce() throws Exception {
    Changes first = reconciler.reconcile();
    byte[] installed = Files.readAllBytes(controller.certificates().resolve("server.crt"));
    Files.writeString(
        secrets.resolve("pgwarden-server/tls.crt"), "-----BEGIN CERTIFICATE-----\nnot base64\n");

    Changes refusedOnce = reconciler.reconcile();
    Changes refusedTwice = reconciler.reconcile();

    for (Changes c : List.of(refusedOnce, refusedTwice)) {
      assertThat(c.needsReload()).isFalse();
      assertThat(c.configHash()).isEqualTo(first.configHash());
    }
    assertThat(Files.readAllBytes(controller.certificates().resolve("server.crt")))
        .isEqualTo(installed);
    assertThat(refused).containsExactly("TLS material");
  }

  @Test
  void aParameterChangeRewritesCustomConfAlone() throws Exception {
    Changes first = reconciler.reconcile();
    writeSpec("16MB");

    Changes changed = reconciler.reconcile();

    assertThat(changed.files()).containsExactly("custom.conf");
    assertThat(changed.certificates()).isEmpty();
    assertThat(changed.configHash()).isNotEqualTo(first.configHash());
    assertThat(changed.cluster().spec().postgresql().parameters())
        .containsEntry("work_mem", "16MB");
  }

  @Test
  void aRefusedSpecKeepsTheLastGoodClusterAndIsReportedOnce() throws Exception {
    Changes first = reconciler.reconcile();
    Files.writeString(
        spec, "apiVersion: postgresql.cnpg.io/v1\nkind: Cluster\nspec: {nonsense: 1}\n");

    Changes kept = reconciler.reconcile();
    reconciler.reconcile();

    assertThat(kept.needsReload()).isFalse();
    assertThat(kept.cluster()).isEqualTo(first.cluster());
    assertThat(kept.configHash()).isEqualTo(first.configHash());
    assertThat(refused).containsExactly("spec");
  }

  @Test
  void aRefusedParameterRefusesTheWholeChange() throws Exception {
    Changes first = reconciler.reconcile();
    byte[] custom = Files.readAllBytes(data.resolve("custom.conf"));
    Files.writeString(
        spec, SPEC.formatted("16MB") + "      archive_mode: \"on\"\n", StandardCharsets.UTF_8);

    Changes refusedChange = reconciler.reconcile();

    assertThat(refusedChange.needsReload()).isFalse();
    assertThat(refusedChange.cluster()).isEqualTo(first.cluster());
    // work_mem stays 8MB: nothing of a change with a refused part is installed.
    assertThat(Files.readAllBytes(data.resolve("custom.conf"))).isEqualTo(custom);
    assertThat(refused).containsExactly("spec.postgresql.parameters.archive_mode");
  }

  @Test
  void filesPostgresRefusesAreUndoneAndTheChangeIsRefusedByName() throws Exception {
    Changes first = reconciler.reconcile();
    byte[] custom = Files.readAllBytes(data.resolve("custom.conf"));
    postgresRefuses.add("invalid value for parameter \"work_mem\": \"lots\"");
    writeSpec("lots");

    Changes refusedChange = reconciler.reconcile();
    reconciler.reconcile();

    assertThat(refusedChange.needsReload()).isFalse();
    assertThat(refusedChange.configHash()).isEqualTo(first.configHash());
    assertThat(Files.readAllBytes(data.resolve("custom.conf"))).isEqualTo(custom);
    assertThat(refused).containsExactly("spec.postgresql");

    postgresRefuses.clear();
    writeSpec("32MB");
    Changes accepted = reconciler.reconcile();
    assertThat(accepted.files()).containsExactly("custom.conf");
    assertThat(Files.readString(data.resolve("custom.conf"))).contains("work_mem = '32MB'");
  }

  private void writeSpec(String workMem) throws Exception {
    Files.write(spec, SPEC.formatted(workMem).getBytes(StandardCharsets.UTF_8));
  }

  private void generateTls() throws Exception {
    StandaloneTls.ensure(secrets, "pgwarden", List.of("localhost"), Instant.now());
  }

  private void rotateServerCertificate() throws Exception {
    Files.delete(secrets.resolve("pgwarden-server/tls.crt"));
    Files.delete(secrets.resolve("pgwarden-server/tls.key"));
    generateTls();
  }
}
