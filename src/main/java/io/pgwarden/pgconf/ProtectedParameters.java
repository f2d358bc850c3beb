package io.pgwarden.pgconf;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

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
          // Loads a library of the user's choosing into every archiver: code execution.
          "archive_library",
          "bonjour",
          "bonjour_name",
          "config_file",
          "data_directory",
          "data_sync_retry",
          // Where LOAD and the preload lists look for libraries: kept at $libdir, so a library
          // name can only mean one installed with the server.
          "dynamic_library_path",
          "event_source",
          "external_pid_file",
          "hba_file",
          "hot_standby",
          "ident_file",
          "jit_provider",
          "krb_server_keyfile",
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

  /**
   * Settings that can lose or silently corrupt data after a crash: refused unless the Cluster
   * carries the {@code pgwarden.io/allowUnsafeDurability: "true"} annotation, each with the value
   * that is unsafe.
   */
  private static final Map<String, String> UNSAFE =
      Map.of(
          "fsync", "off",
          "full_page_writes", "off",
          "zero_damaged_pages", "on",
          "ignore_checksum_failure", "on",
          "ignore_invalid_pages", "on");

  /** A library name as installed with the server: a file name, no path, no macro. */
  private static final Pattern LIBRARY = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,62}");

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
    check(field, name, value, false);
  }

  /**
   * As {@link #check(String, String, String)}; {@code allowUnsafeDurability} lets the settings that
   * risk data after a crash through (the Cluster's annotation).
   */
  public static void check(String field, String name, String value, boolean allowUnsafeDurability) {
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
      case "session_preload_libraries", "local_preload_libraries" -> checkLibraries(field, name, v);
      default -> {
        if (!allowUnsafeDurability && isUnsafe(name, v)) {
          throw new InvalidConfigurationException(
              field,
              name
                  + " "
                  + ConfigLiteral.printable(v)
                  + " can lose or corrupt data after a crash; remove it, or annotate the Cluster"
                  + " with pgwarden.io/allowUnsafeDurability: \"true\" to accept that");
        }
        // Any other value is postgres's to judge: it checks the file before a reload.
      }
    }
  }

  private static boolean isUnsafe(String name, String value) {
    String unsafe = UNSAFE.get(name);
    if (unsafe == null) {
      return false;
    }
    // parse_bool's spellings of false: any prefix of "false" or "no", "of" or "off", "0".
    boolean off =
        !value.isEmpty()
            && ("false".startsWith(value)
                || "no".startsWith(value)
                || (value.length() >= 2 && "off".startsWith(value))
                || value.equals("0"));
    return unsafe.equals("off") ? off : !off && !value.isEmpty();
  }

  /**
   * Each entry a library installed with the server, named as a file ({@code auto_explain}), never a
   * path: postgres looks it up in {@code $libdir} only, since {@code dynamic_library_path} is
   * protected.
   */
  private static void checkLibraries(String field, String name, String value) {
    for (String entry : value.split(",", -1)) {
      String library = entry.strip();
      if (library.startsWith("\"") && library.endsWith("\"") && library.length() > 1) {
        library = library.substring(1, library.length() - 1);
      }
      if (library.isEmpty() && value.isBlank()) {
        continue;
      }
      if (!LIBRARY.matcher(library).matches()) {
        throw new InvalidConfigurationException(
            field,
            name
                + " entry "
                + ConfigLiteral.printable(library)
                + " is not the name of a library installed with the server (no path, no $libdir,"
                + " no empty entry); name it as a file of postgres's library directory, e.g."
                + " auto_explain");
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
