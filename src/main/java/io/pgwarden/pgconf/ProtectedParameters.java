package io.pgwarden.pgconf;

import java.util.List;
import java.util.Set;

/**
 * Parameters a user may not set in {@code spec.postgresql.parameters}, and the values pgwarden
 * refuses for the ones a user may set.
 *
 * <p>Source: CloudNativePG {@code pkg/postgres/configuration.go}, {@code
 * FixedConfigurationParameters} (1.2x/1.30), where each entry is either <em>fixed</em> (the
 * instance manager sets the value) or <em>blocked</em> (the value must stay postgres' default for
 * the instance manager to work). pgwarden keeps both lists whole and adds the {@code cnpg.}
 * namespace (its own {@code cnpg.config_sha256}) and {@code allow_alter_system} (managed by
 * CloudNativePG from {@code spec.postgresql.enableAlterSystem}).
 */
public final class ProtectedParameters {
  /** Values pgwarden sets itself; a user value would be overwritten or would break management. */
  private static final Set<String> FIXED =
      Set.of(
          "allow_alter_system",
          "archive_command",
          "archive_mode",
          "cluster_name",
          "pg_failover_slots.primary_dsn",
          "pg_failover_slots.standby_slot_names",
          "port",
          "primary_conninfo",
          "primary_slot_name",
          "restore_command",
          "shared_preload_libraries",
          "ssl",
          "ssl_ca_file",
          "ssl_cert_file",
          "ssl_crl_file",
          "ssl_dh_params_file",
          "ssl_ecdh_curve",
          "ssl_key_file",
          "ssl_prefer_server_ciphers",
          "synchronized_standby_slots",
          "synchronous_standby_names",
          "temp_tablespaces");

  /** Values that must stay at postgres' default (or pgwarden's) for pgwarden to work. */
  private static final Set<String> BLOCKED =
      Set.of(
          "allow_system_table_mods",
          "archive_cleanup_command",
          "bonjour",
          "bonjour_name",
          "config_file",
          "data_directory",
          "data_sync_retry",
          "event_source",
          "external_pid_file",
          "hba_file",
          "hot_standby",
          "ident_file",
          "jit_provider",
          "listen_addresses",
          "log_destination",
          "log_directory",
          "log_file_mode",
          "log_filename",
          "log_truncate_on_rotation",
          "logging_collector",
          "promote_trigger_file",
          "recovery_end_command",
          "recovery_min_apply_delay",
          "restart_after_crash",
          "stats_temp_directory",
          "syslog_facility",
          "syslog_ident",
          "syslog_sequence_numbers",
          "syslog_split_messages",
          "unix_socket_directories",
          "unix_socket_group",
          "unix_socket_permissions");

  /**
   * Whole families: every {@code recovery_target*} (recovery is driven by the bootstrap), every
   * {@code log_rotation_*} (the log goes to a FIFO), every {@code ssl_passphrase_command*} (keys
   * are unencrypted files pgwarden installs), and pgwarden's own {@code cnpg.} namespace.
   */
  private static final List<String> PREFIXES =
      List.of("recovery_target", "log_rotation_", "ssl_passphrase_command", "cnpg.");

  private ProtectedParameters() {}

  /** True when the (lowercase) name may not be set by a user at all. */
  public static boolean isProtected(String name) {
    if (FIXED.contains(name) || BLOCKED.contains(name)) {
      return true;
    }
    for (String prefix : PREFIXES) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Checks a user parameter against the protected lists and pgwarden's value rules.
   *
   * @param field the spec path named in the error
   * @param name the lowercase parameter name (see {@link ConfigLiteral#validName})
   * @throws InvalidConfigurationException when the user may not set this parameter or this value
   */
  public static void check(String field, String name, String value) {
    if (FIXED.contains(name)) {
      throw new InvalidConfigurationException(
          field,
          "'" + name + "' is managed by pgwarden; remove it from spec.postgresql.parameters");
    }
    if (isProtected(name)) {
      throw new InvalidConfigurationException(
          field,
          "'"
              + name
              + "' must keep the value pgwarden gives it for the instance to be managed; remove it"
              + " from spec.postgresql.parameters");
    }
    String v = value == null ? "" : ConfigLiteral.asciiLower(value.strip());
    switch (name) {
      case "password_encryption" -> requireValue(field, name, v, "scram-sha-256");
      // TLS 1.3 is the only version pgwarden speaks: a lower minimum would re-enable TLS 1.2, and
      // a maximum below the TLS 1.3 minimum would make every TLS handshake fail.
      case "ssl_min_protocol_version", "ssl_max_protocol_version" ->
          requireValue(field, name, v, "tlsv1.3");
      // Streaming replication and failover need at least 'replica'.
      case "wal_level" -> {
        if (!v.equals("replica") && !v.equals("logical")) {
          throw new InvalidConfigurationException(
              field,
              "wal_level "
                  + ConfigLiteral.printable(v)
                  + " cannot feed replicas; remove it or set it to 'replica' or 'logical'");
        }
      }
      default -> {
        // Any other value is postgres' to judge when it loads the file.
      }
    }
  }

  private static void requireValue(String field, String name, String value, String only) {
    if (!value.equals(only)) {
      throw new InvalidConfigurationException(
          field,
          name
              + " "
              + ConfigLiteral.printable(value)
              + " is weaker than pgwarden allows; remove it or set it to '"
              + (only.startsWith("tls") ? "TLSv1.3" : only)
              + "'");
    }
  }
}
