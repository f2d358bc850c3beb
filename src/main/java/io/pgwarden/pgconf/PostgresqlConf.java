package io.pgwarden.pgconf;

import java.util.regex.Pattern;

/**
 * Makes postgresql.conf (as initdb wrote it, or as found) load pgwarden's files last, so that
 * custom.conf overrides postgresql.conf and override.conf overrides both.
 */
public final class PostgresqlConf {
  /** The two include lines, in the order postgres must read them. */
  public static final String INCLUDES = "include 'custom.conf'\ninclude 'override.conf'\n";

  /**
   * An existing include of one of pgwarden's files, in any spelling guc-file.l accepts: optional
   * {@code =}, any blanks, a trailing comment, any case for the directive.
   */
  private static final Pattern OWN_INCLUDE =
      Pattern.compile(
          "[ \\t\\r]*(?i:include)[ \\t\\r]*=?[ \\t\\r]*'(?:custom|override)\\.conf'[ \\t\\r]*(?:#.*)?");

  private PostgresqlConf() {}

  /**
   * Returns {@code existing} with every earlier include of custom.conf or override.conf removed and
   * {@link #INCLUDES} appended; every other line is kept as it is. Applying it twice gives the same
   * text.
   */
  public static String withIncludes(String existing) {
    StringBuilder out = new StringBuilder(existing.length() + INCLUDES.length());
    int start = 0;
    while (start < existing.length()) {
      int newline = existing.indexOf('\n', start);
      int end = newline < 0 ? existing.length() : newline;
      String line = existing.substring(start, end);
      if (!OWN_INCLUDE.matcher(line).matches()) {
        out.append(line).append('\n');
      }
      start = end + 1;
    }
    return out.append(INCLUDES).toString();
  }
}
