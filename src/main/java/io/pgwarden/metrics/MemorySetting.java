package io.pgwarden.metrics;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A memory setting as {@code current_setting} and {@code SHOW} print it, in bytes. Postgres prints
 * an integer setting in the greatest of {@code TB}, {@code GB}, {@code MB}, {@code kB}, {@code B}
 * (powers of 1024) that holds it exactly and not below the setting's base unit: {@code 16MB},
 * {@code 1GB}, {@code 1025MB}; zero and negative values bare, in the base unit ({@code 0}, {@code
 * -1}). A bare number is read in the base unit; a negative one is a sentinel (-1: unlimited) and is
 * returned as it is.
 */
final class MemorySetting {
  /** Base unit of {@code GUC_UNIT_BYTE} settings ({@code wal_segment_size}). */
  static final long BYTES = 1;

  /** Base unit of {@code GUC_UNIT_MB} settings ({@code max_wal_size}, {@code wal_keep_size}…). */
  static final long MEGABYTES = 1L << 20;

  private static final Pattern SHOWN = Pattern.compile("(-?)([0-9]{1,19})(TB|GB|MB|kB|B)?");

  private MemorySetting() {}

  /**
   * {@code value} in bytes.
   *
   * @param setting the setting's name, for the error
   * @param baseUnit bytes in the setting's base unit, for a bare number
   * @throws IllegalArgumentException naming the setting when postgres cannot have printed {@code
   *     value}, or when it overflows a long
   */
  static long bytes(String setting, String value, long baseUnit) {
    Matcher m = SHOWN.matcher(value == null ? "" : value);
    if (!m.matches() || (!m.group(1).isEmpty() && m.group(3) != null)) {
      throw new IllegalArgumentException(
          setting + " = '" + value + "': not a size as postgres prints one (e.g. 16MB, 1GB, -1)");
    }
    try {
      long number = Long.parseLong(m.group(1) + m.group(2));
      if (number < 0) {
        return number;
      }
      return Math.multiplyExact(number, m.group(3) == null ? baseUnit : unit(m.group(3)));
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(
          setting + " = '" + value + "': more bytes than a long holds", e);
    }
  }

  private static long unit(String unit) {
    return switch (unit) {
      case "TB" -> 1L << 40;
      case "GB" -> 1L << 30;
      case "MB" -> 1L << 20;
      case "kB" -> 1L << 10;
      default -> 1L;
    };
  }
}
