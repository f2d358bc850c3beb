package io.pgwarden.pgdata;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.pgconf.PostgresqlConf;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigFilesTest {
  private static final String INITDB_CONF = "max_connections = 100\nshared_buffers = 128MB\n";
  private static final ConfigFiles.Rendered RENDERED =
      new ConfigFiles.Rendered(
          "port = '5432'\n", "local all all peer\n", "# MAPNAME SYSTEM-USERNAME PG-USERNAME\n");

  @TempDir Path pgdata;

  @BeforeEach
  void initdbOutput() throws IOException {
    Files.writeString(pgdata.resolve("postgresql.conf"), INITDB_CONF);
  }

  @Test
  void firstInstallChangesEveryFile() throws IOException {
    List<String> changed = ConfigFiles.install(pgdata, RENDERED, PostgresqlConf::withIncludes);

    assertThat(changed)
        .containsExactlyInAnyOrder(
            "custom.conf", "pg_hba.conf", "pg_ident.conf", "override.conf", "postgresql.conf");
    assertThat(pgdata.resolve("custom.conf")).hasContent("port = '5432'");
    assertThat(Files.readString(pgdata.resolve("pg_hba.conf"))).isEqualTo("local all all peer\n");
    assertThat(Files.readString(pgdata.resolve("pg_ident.conf")))
        .isEqualTo("# MAPNAME SYSTEM-USERNAME PG-USERNAME\n");
    assertThat(Files.size(pgdata.resolve("override.conf"))).isZero();
    assertThat(Files.readString(pgdata.resolve("postgresql.conf")))
        .startsWith(INITDB_CONF)
        .contains("include 'custom.conf'")
        .contains("include 'override.conf'");
    for (String name : changed) {
      assertThat(Files.getPosixFilePermissions(pgdata.resolve(name)))
          .as(name)
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    }
  }

  @Test
  void secondIdenticalInstallChangesNothing() throws IOException {
    ConfigFiles.install(pgdata, RENDERED, PostgresqlConf::withIncludes);
    assertThat(ConfigFiles.install(pgdata, RENDERED, PostgresqlConf::withIncludes)).isEmpty();
  }

  @Test
  void changedHbaChangesOnlyPgHba() throws IOException {
    ConfigFiles.install(pgdata, RENDERED, PostgresqlConf::withIncludes);
    ConfigFiles.Rendered next =
        new ConfigFiles.Rendered(
            RENDERED.customConf(),
            "local all all peer\nhostssl all all 0.0.0.0/0 scram-sha-256\n",
            RENDERED.identConf());

    assertThat(ConfigFiles.install(pgdata, next, PostgresqlConf::withIncludes))
        .containsExactly("pg_hba.conf");
    assertThat(Files.readString(pgdata.resolve("pg_hba.conf"))).contains("hostssl");
  }

  @Test
  void changedCustomConfChangesOnlyCustomConf() throws IOException {
    ConfigFiles.install(pgdata, RENDERED, PostgresqlConf::withIncludes);
    ConfigFiles.Rendered next =
        new ConfigFiles.Rendered("port = '5433'\n", RENDERED.hbaConf(), RENDERED.identConf());
    assertThat(ConfigFiles.install(pgdata, next, PostgresqlConf::withIncludes))
        .containsExactly("custom.conf");
  }

  @Test
  void overrideConfIsNeverOverwrittenOnceCreated() throws IOException {
    ConfigFiles.install(pgdata, RENDERED, PostgresqlConf::withIncludes);
    Path override = pgdata.resolve("override.conf");
    Files.writeString(override, "work_mem = '64MB'\n");

    List<String> changed = ConfigFiles.install(pgdata, RENDERED, PostgresqlConf::withIncludes);

    assertThat(changed).isEmpty();
    assertThat(Files.readString(override)).isEqualTo("work_mem = '64MB'\n");
  }

  @Test
  void postgresqlConfPassesThroughTheIncludeFunction() throws IOException {
    List<String> seen = new ArrayList<>();
    UnaryOperator<String> include =
        existing -> {
          seen.add(existing);
          return existing.endsWith("# pgwarden\n") ? existing : existing + "# pgwarden\n";
        };

    assertThat(ConfigFiles.install(pgdata, RENDERED, include)).contains("postgresql.conf");
    assertThat(seen).containsExactly(INITDB_CONF);
    assertThat(Files.readString(pgdata.resolve("postgresql.conf")))
        .isEqualTo(INITDB_CONF + "# pgwarden\n");

    assertThat(ConfigFiles.install(pgdata, RENDERED, include)).doesNotContain("postgresql.conf");
    assertThat(seen).containsExactly(INITDB_CONF, INITDB_CONF + "# pgwarden\n");
  }

  @Test
  void missingPostgresqlConfIsCreatedFromNothing() throws IOException {
    Files.delete(pgdata.resolve("postgresql.conf"));
    List<String> seen = new ArrayList<>();
    ConfigFiles.install(
        pgdata,
        RENDERED,
        existing -> {
          seen.add(existing);
          return existing + "include 'custom.conf'\n";
        });
    assertThat(seen).containsExactly("");
    assertThat(Files.readString(pgdata.resolve("postgresql.conf")))
        .isEqualTo("include 'custom.conf'\n");
  }
}
