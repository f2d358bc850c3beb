package io.pgwarden.logs;

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
      String v = asciiLowerCase(value.trim());
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

  // Level names are ASCII; no locale or Unicode case mapping can make another word match.
  private static String asciiLowerCase(String s) {
    char[] chars = s.toCharArray();
    for (int i = 0; i < chars.length; i++) {
      if (chars[i] >= 'A' && chars[i] <= 'Z') {
        chars[i] = (char) (chars[i] + ('a' - 'A'));
      }
    }
    return new String(chars);
  }
}
