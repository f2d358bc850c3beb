package io.pgwarden.metrics;

import static io.pgwarden.metrics.MemorySetting.BYTES;
import static io.pgwarden.metrics.MemorySetting.MEGABYTES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class MemorySettingTest {
  static final long KB = 1024;
  static final long MB = KB * 1024;
  static final long GB = MB * 1024;
  static final long TB = GB * 1024;

  @Test
  void everyUnitPostgresPrints() {
    assertThat(MemorySetting.bytes("s", "1B", BYTES)).isEqualTo(1);
    assertThat(MemorySetting.bytes("s", "1025kB", BYTES)).isEqualTo(1025 * KB);
    assertThat(MemorySetting.bytes("s", "16MB", BYTES)).isEqualTo(16 * MB);
    assertThat(MemorySetting.bytes("s", "1GB", BYTES)).isEqualTo(GB);
    assertThat(MemorySetting.bytes("s", "2TB", BYTES)).isEqualTo(2 * TB);
  }

  @Test
  void theUnitDoesNotDependOnTheBaseUnit() {
    assertThat(MemorySetting.bytes("max_wal_size", "1GB", MEGABYTES)).isEqualTo(GB);
    assertThat(MemorySetting.bytes("min_wal_size", "80MB", MEGABYTES)).isEqualTo(80 * MB);
    assertThat(MemorySetting.bytes("wal_keep_size", "1TB", MEGABYTES)).isEqualTo(TB);
    assertThat(MemorySetting.bytes("max_wal_size", "1025MB", MEGABYTES)).isEqualTo(1025 * MB);
    assertThat(MemorySetting.bytes("max_wal_size", "1536MB", MEGABYTES)).isEqualTo(1536 * MB);
  }

  @Test
  void aBareNumberIsInTheBaseUnit() {
    assertThat(MemorySetting.bytes("wal_keep_size", "0", MEGABYTES)).isZero();
    assertThat(MemorySetting.bytes("wal_keep_size", "64", MEGABYTES)).isEqualTo(64 * MB);
    assertThat(MemorySetting.bytes("wal_segment_size", "16777216", BYTES)).isEqualTo(16 * MB);
  }

  @Test
  void aNegativeSentinelStaysAsItIs() {
    assertThat(MemorySetting.bytes("max_slot_wal_keep_size", "-1", MEGABYTES)).isEqualTo(-1);
  }

  @Test
  void theLargestValuesAreExact() {
    // MAX_KILOBYTES (INT_MAX on 64-bit) megabytes, as a not round number of MB prints
    assertThat(MemorySetting.bytes("max_wal_size", "2147483647MB", MEGABYTES))
        .isEqualTo(2147483647L * MB);
    assertThat(MemorySetting.bytes("max_wal_size", "8388607TB", MEGABYTES))
        .isEqualTo(8388607L * TB)
        .isEqualTo(Long.MAX_VALUE - TB + 1);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(
      strings = {
        "1 GB",
        " 1GB",
        "1GB ",
        "1gb",
        "1Gb",
        "1.5GB",
        "1e3MB",
        "+1GB",
        "GB",
        "-",
        "-1MB",
        "1XB",
        "8kBB",
        "1GiB",
        "0x10MB",
        "on",
        "unlimited"
      })
  void whatPostgresCannotHavePrintedIsRefusedByName(String value) {
    assertThatThrownBy(() -> MemorySetting.bytes("max_wal_size", value, MEGABYTES))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("max_wal_size = '" + value + "': ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"8388608TB", "9223372036854775808", "99999999999999999999999MB"})
  void whatOverflowsALongIsRefusedByName(String value) {
    assertThatThrownBy(() -> MemorySetting.bytes("wal_keep_size", value, BYTES))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("wal_keep_size = '" + value + "': ");
  }
}
