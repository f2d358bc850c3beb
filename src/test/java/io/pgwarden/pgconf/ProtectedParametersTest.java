package io.pgwarden.pgconf;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Library and durability settings: what runs code, or risks data, is refused by name. */
class ProtectedParametersTest {
  private static final String FIELD = "spec.postgresql.parameters.";

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "archive_library|basic_archive",
        "dynamic_library_path|/tmp/evil:$libdir",
        "krb_server_keyfile|/etc/krb5.keytab",
        "session_preload_libraries|/tmp/evil.so",
        "session_preload_libraries|$libdir/auto_explain",
        "session_preload_libraries|'auto_explain,../../tmp/evil'",
        "local_preload_libraries|plugins/evil",
        "session_preload_libraries|'auto_explain,'",
        "fsync|off",
        "fsync|false",
        "fsync|0",
        "fsync|OF",
        "full_page_writes|no",
        "zero_damaged_pages|on",
        "ignore_checksum_failure|true",
        "ignore_invalid_pages|1"
      })
  void refusedByName(String name, String value) {
    assertThatThrownBy(() -> ProtectedParameters.check(FIELD + name, name, value))
        .isInstanceOf(InvalidConfigurationException.class)
        .extracting(e -> ((InvalidConfigurationException) e).field())
        .isEqualTo(FIELD + name);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "session_preload_libraries|auto_explain",
        "session_preload_libraries|'auto_explain, pg_stat_statements'",
        "local_preload_libraries|\"auto_explain\"",
        "session_preload_libraries|''",
        "fsync|on",
        "full_page_writes|true",
        "zero_damaged_pages|off",
        "ignore_checksum_failure|no"
      })
  void accepted(String name, String value) {
    assertThatCode(() -> ProtectedParameters.check(FIELD + name, name, value))
        .doesNotThrowAnyException();
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {"fsync|off", "full_page_writes|off", "zero_damaged_pages|on"})
  void unsafeDurabilityPassesWithTheAnnotation(String name, String value) {
    assertThatCode(() -> ProtectedParameters.check(FIELD + name, name, value, true))
        .doesNotThrowAnyException();
  }
}
