package io.pgwarden.logs;

import java.util.Locale;

/** Severity of a pgwarden line, in increasing order; {@link #jsonName()} is the JSON value. */
public enum LogLevel {
  TRACE("trace"),
  DEBUG("debug"),
  INFO("info"),
  WARNING("warning"),
  ERROR("error");

  private final String jsonName;

  LogLevel(String jsonName) {
    this.jsonName = jsonName;
  }

  /** The {@code "level"} value written in a line. */
  public String jsonName() {
    return jsonName;
  }

  /**
   * Parses the value of {@code --log-level}: error, warning, info, debug or trace, in any case.
   *
   * @throws IllegalArgumentException naming {@code --log-level} and the accepted values
   */
  public static LogLevel parse(String value) {
    if (value != null) {
      String v = value.trim().toLowerCase(Locale.ROOT);
      for (LogLevel level : values()) {
        if (level.jsonName.equals(v)) {
          return level;
        }
      }
    }
    throw new IllegalArgumentException(
        "--log-level: '"
            + value
            + "' is not a log level; use error, warning, info, debug or trace");
  }
}
