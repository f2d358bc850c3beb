package io.pgwarden.pgconf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CustomConfTest {
  private static Map<String, String> read(Rendered r) {
    Map<String, String> out = new LinkedHashMap<>();
    for (GucFileReader.Directive d : GucFileReader.read(r.text())) {
      assertThat(d.include()).isFalse();
      assertThat(out.put(d.name(), d.value())).as("duplicate " + d.name()).isNull();
    }
    return out;
  }

  @Test
  void linesAreSortedWithTheHashLast() {
    Rendered r = CustomConf.render(Golden.configInput(Golden.sampleParameters()));
    List<String> names = List.copyOf(read(r).keySet());
    assertThat(names.get(names.size() - 1)).isEqualTo("cnpg.config_sha256");
    assertThat(names.subList(0, names.size() - 1)).isSorted();
    assertThat(r.text()).startsWith(CustomConf.HEADER + "\n");
  }

  @Test
  void forcedValuesWinOverDefaults() {
    Map<String, String> conf = read(CustomConf.render(Golden.configInput(Map.of())));
    assertThat(conf)
        .containsEntry("ssl", "on")
        .containsEntry("port", "5432")
        .containsEntry("listen_addresses", "*")
        .containsEntry("unix_socket_directories", "/controller/run")
        .containsEntry("ssl_ca_file", "/controller/certificates/client-ca.crt")
        .containsEntry("restart_after_crash", "off")
        .containsEntry("hot_standby", "on")
        .containsEntry("cluster_name", "cluster-example")
        .containsEntry("shared_preload_libraries", "pg_stat_statements,pgaudit")
        .containsEntry("ssl_min_protocol_version", "TLSv1.3")
        .containsEntry("unix_socket_permissions", "0700")
        .containsEntry("log_directory", "/controller/log");
  }

  @Test
  void noSharedPreloadLibrariesLineWhenNoneAreManaged() {
    ConfigInput in = new ConfigInput("c", 5432, "/run", "/log", "/certs/", Map.of(), List.of());
    Map<String, String> conf = read(CustomConf.render(in));
    assertThat(conf).doesNotContainKey("shared_preload_libraries");
    assertThat(conf).containsEntry("ssl_key_file", "/certs/server.key");
  }

  @Test
  void protectedParametersAreRefusedTogetherAndTheRestIsRendered() {
    Map<String, String> p = new TreeMap<>(Golden.sampleParameters());
    p.put("archive_mode", "off");
    p.put("recovery_target_time", "2020-01-01");
    p.put("log_rotation_age", "1d");
    p.put("ssl_passphrase_command_supports_reload", "on");
    p.put("unix_socket_permissions", "0777");
    p.put("shared_preload_libraries", "evil");
    p.put("cnpg.config_sha256", "0");
    p.put("password_encryption", "md5");
    p.put("ssl_min_protocol_version", "TLSv1.2");
    p.put("wal_level", "minimal");
    Rendered r = CustomConf.render(Golden.configInput(p));

    assertThat(r.refused())
        .extracting(InvalidConfigurationException::field)
        .containsExactly(
            "spec.postgresql.parameters.archive_mode",
            "spec.postgresql.parameters.cnpg.config_sha256",
            "spec.postgresql.parameters.log_rotation_age",
            "spec.postgresql.parameters.password_encryption",
            "spec.postgresql.parameters.recovery_target_time",
            "spec.postgresql.parameters.shared_preload_libraries",
            "spec.postgresql.parameters.ssl_min_protocol_version",
            "spec.postgresql.parameters.ssl_passphrase_command_supports_reload",
            "spec.postgresql.parameters.unix_socket_permissions",
            "spec.postgresql.parameters.wal_level");
    assertThat(r.refused()).allSatisfy(e -> assertThat(e.getMessage()).contains("remove", "; "));

    Map<String, String> conf = read(r);
    assertThat(conf)
        .containsEntry("work_mem", "8MB")
        .containsEntry("unix_socket_permissions", "0700")
        .containsEntry("password_encryption", "scram-sha-256")
        .containsEntry("wal_level", "logical")
        .containsEntry("shared_preload_libraries", "pg_stat_statements,pgaudit")
        .doesNotContainKeys("archive_mode", "recovery_target_time");
    assertThat(conf.get("log_rotation_age")).isEqualTo("0");

    assertThatThrownBy(r::orThrow)
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageContaining("10 configuration entries were refused")
        .satisfies(e -> assertThat(e.getSuppressed()).hasSize(10));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "archive_command",
        "cluster_name",
        "port",
        "primary_conninfo",
        "primary_slot_name",
        "recovery_target",
        "recovery_target_lsn",
        "restore_command",
        "ssl",
        "ssl_ca_file",
        "ssl_cert_file",
        "ssl_crl_file",
        "ssl_key_file",
        "ssl_passphrase_command",
        "synchronous_standby_names",
        "listen_addresses",
        "logging_collector",
        "log_destination",
        "log_directory",
        "log_filename",
        "log_rotation_size",
        "log_truncate_on_rotation",
        "unix_socket_directories",
        "unix_socket_group",
        "data_directory",
        "config_file",
        "hba_file",
        "ident_file",
        "hot_standby",
        "restart_after_crash",
        "allow_system_table_mods",
        "promote_trigger_file",
        "recovery_end_command",
        "recovery_min_apply_delay",
        "archive_cleanup_command",
        "stats_temp_directory",
        "ssl_dh_params_file",
        "HOT_STANDBY"
      })
  void everyContractParameterIsRefused(String name) {
    Rendered r = CustomConf.render(Golden.configInput(Map.of(name, "x")));
    assertThat(r.refused()).hasSize(1);
    assertThat(r.refused().get(0).field()).isEqualTo("spec.postgresql.parameters." + name);
  }

  @Test
  void allowedSecuritySettingsPass() {
    Rendered r =
        CustomConf.render(
            Golden.configInput(
                Map.of(
                    "password_encryption", "SCRAM-SHA-256",
                    "ssl_min_protocol_version", "tlsv1.3",
                    "wal_log_hints", "off",
                    "wal_level", "replica")));
    assertThat(r.refused()).isEmpty();
    assertThat(read(r)).containsEntry("wal_level", "replica").containsEntry("wal_log_hints", "off");
  }

  @Test
  void caseVariantsOfOneNameAreRefused() {
    Rendered r =
        CustomConf.render(Golden.configInput(Map.of("Work_Mem", "1MB", "work_mem", "2MB")));
    assertThat(r.refused())
        .extracting(InvalidConfigurationException::field)
        .containsExactly("spec.postgresql.parameters.work_mem");
    assertThat(read(r)).containsEntry("work_mem", "1MB");
  }

  @Test
  void hashIsStableForTheSameInput() {
    Map<String, String> a = new LinkedHashMap<>(Golden.sampleParameters());
    Map<String, String> b = Collections2.reversed(a);
    Rendered first = CustomConf.render(Golden.configInput(a));
    Rendered second = CustomConf.render(Golden.configInput(b));
    assertThat(second.sha256()).isEqualTo(first.sha256());
    assertThat(second.text()).isEqualTo(first.text());
    assertThat(first.sha256())
        .isEqualTo(Sha256.hex(first.text().substring(0, first.text().lastIndexOf("cnpg."))));
  }

  @Test
  void hashChangesWhenAnyParameterChanges() {
    Map<String, String> base = Golden.sampleParameters();
    String baseHash = CustomConf.render(Golden.configInput(base)).sha256();
    for (String key : base.keySet()) {
      Map<String, String> changed = new TreeMap<>(base);
      changed.put(key, base.get(key) + "x");
      assertThat(CustomConf.render(Golden.configInput(changed)).sha256())
          .as("changing " + key)
          .isNotEqualTo(baseHash);
      Map<String, String> removed = new TreeMap<>(base);
      removed.remove(key);
      assertThat(CustomConf.render(Golden.configInput(removed)).sha256())
          .as("removing " + key)
          .isNotEqualTo(baseHash);
    }
    ConfigInput otherPort =
        new ConfigInput(
            "cluster-example",
            5433,
            "/controller/run",
            "/controller/log",
            "/controller/certificates",
            base,
            List.of("pg_stat_statements", "pgaudit"));
    assertThat(CustomConf.render(otherPort).sha256()).isNotEqualTo(baseHash);
  }

  @Test
  void refusedParametersDoNotChangeTheHash() {
    Map<String, String> base = Golden.sampleParameters();
    Map<String, String> withRefused = new TreeMap<>(base);
    withRefused.put("port", "1");
    assertThat(CustomConf.render(Golden.configInput(withRefused)).sha256())
        .isEqualTo(CustomConf.render(Golden.configInput(base)).sha256());
  }

  @Test
  void badManagedLibraryIsADefect() {
    ConfigInput in = new ConfigInput("c", 5432, "/r", "/l", "/c", Map.of(), List.of("a,b"));
    assertThatThrownBy(() -> CustomConf.render(in))
        .isInstanceOf(InvalidConfigurationException.class)
        .hasMessageStartingWith("sharedPreloadLibraries[0]: ");
  }

  /** Reversal helper kept local: the map order must not matter. */
  private static final class Collections2 {
    static Map<String, String> reversed(Map<String, String> m) {
      List<String> keys = m.keySet().stream().sorted().collect(Collectors.toList());
      java.util.Collections.reverse(keys);
      Map<String, String> out = new LinkedHashMap<>();
      keys.forEach(k -> out.put(k, m.get(k)));
      return out;
    }
  }
}
