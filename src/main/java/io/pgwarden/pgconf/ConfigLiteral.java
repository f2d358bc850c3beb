package io.pgwarden.pgconf;

import java.util.Locale;
import java.util.Set;

/**
 * The one place where text becomes part of a postgresql.conf line. Every name and value pgwarden
 * writes into custom.conf goes through {@link #validName} and {@link #quote}.
 *
 * <p>The rules follow the configuration file scanner, <a
 * href="https://github.com/postgres/postgres/blob/REL_17_STABLE/src/backend/utils/misc/guc-file.l">guc-file.l</a>:
 * a quoted value is {@code \'([^'\\\n]|\\.|\'\')*\'} and is de-escaped by {@code
 * DeescapeQuotedString} (<a
 * href="https://github.com/postgres/postgres/blob/REL_17_STABLE/src/backend/utils/misc/guc-file.l">same
 * file</a>), where {@code ''} is one quote and a backslash escapes the next character ({@code \n},
 * {@code \t}, octal and so on). A newline ends a line whatever the quoting, so line breaks cannot
 * be carried at all; pgwarden also refuses every other control character except tab, and the
 * Unicode line and paragraph separators, so that no value can ever look like two lines to any
 * reader of the file.
 */
public final class ConfigLiteral {
  /**
   * Names {@code ParseConfigFp} treats as directives, not parameters (compared case-insensitively,
   * like {@code guc_name_compare}).
   */
  private static final Set<String> DIRECTIVES =
      Set.of("include", "include_dir", "include_if_exists");

  private static final int PRINTABLE_LIMIT = 80;

  private ConfigLiteral() {}

  /**
   * Quotes {@code value} as a postgresql.conf string literal: wrapped in single quotes, with every
   * single quote and every backslash doubled, so that postgres reads back exactly {@code value}.
   *
   * @param field the spec path named in the error, e.g. {@code spec.postgresql.parameters.work_mem}
   * @throws InvalidConfigurationException when the value holds NUL, CR, LF, another control
   *     character other than tab, a Unicode line or paragraph separator, or a lone surrogate
   */
  public static String quote(String field, String value) {
    requireSingleLine(field, "value", value);
    StringBuilder out = new StringBuilder(value.length() + 2).append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\'' || c == '\\') {
        out.append(c);
      }
      out.append(c);
    }
    return out.append('\'').toString();
  }

  /**
   * Checks a parameter name and returns it lowercased (postgres compares names case-insensitively).
   *
   * @param field the spec path named in the error
   * @throws InvalidConfigurationException when the name is not {@code [A-Za-z_][A-Za-z0-9_]*}
   *     optionally followed by one {@code .} and another such identifier, or is one of the {@code
   *     include} directives
   */
  public static String validName(String field, String name) {
    if (name == null || !isName(name)) {
      throw new InvalidConfigurationException(
          field,
          "parameter name "
              + printable(name)
              + " is not valid; use letters, digits and underscores, starting with a letter or"
              + " underscore, with at most one '.' for an extension's parameter (e.g."
              + " pg_stat_statements.max)");
    }
    String lower = asciiLower(name);
    if (DIRECTIVES.contains(lower)) {
      throw new InvalidConfigurationException(
          field,
          "'"
              + lower
              + "' is a file inclusion directive, not a parameter; pgwarden does not let the spec"
              + " include other files: set the parameters themselves");
    }
    return lower;
  }

  /**
   * {@code ID} or {@code QUALIFIED_ID} of guc-file.l restricted to ASCII: {@code
   * [A-Za-z_][A-Za-z0-9_]*}, optionally a dot and a second such identifier. A name with a second
   * dot, or a component starting with a digit, scans as an {@code UNQUOTED_STRING} and postgres
   * rejects the whole file.
   */
  private static boolean isName(String name) {
    boolean start = true;
    boolean dotSeen = false;
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
      if (c == '.' && !start && !dotSeen) {
        dotSeen = true;
        start = true;
      } else if (letter || (!start && c >= '0' && c <= '9')) {
        start = false;
      } else {
        return false;
      }
    }
    return !start;
  }

  /**
   * ASCII-only lowercase, as postgres compares names ({@code guc_name_compare}) and enum values
   * ({@code pg_strcasecmp}): no locale, no Unicode case mapping.
   */
  static String asciiLower(String text) {
    char[] chars = text.toCharArray();
    for (int i = 0; i < chars.length; i++) {
      if (chars[i] >= 'A' && chars[i] <= 'Z') {
        chars[i] = (char) (chars[i] + ('a' - 'A'));
      }
    }
    return new String(chars);
  }

  /**
   * Refuses text that could span more than one line for any reader: control characters other than
   * tab, U+2028, U+2029 and lone surrogates.
   */
  static void requireSingleLine(String field, String what, String text) {
    if (text == null) {
      throw new InvalidConfigurationException(field, what + " is missing; give a value");
    }
    for (int i = 0; i < text.length(); ) {
      int cp = text.codePointAt(i);
      if (forbidden(cp)) {
        throw new InvalidConfigurationException(
            field,
            what
                + " contains the character "
                + String.format(Locale.ROOT, "U+%04X", cp)
                + " at position "
                + i
                + "; remove line breaks and control characters (only tab is allowed)");
      }
      i += Character.charCount(cp);
    }
  }

  private static boolean forbidden(int cp) {
    if (cp == '\t') {
      return false;
    }
    int type = Character.getType(cp);
    return Character.isISOControl(cp)
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || type == Character.SURROGATE;
  }

  /**
   * A one-line, bounded rendering of untrusted text for error messages and logs: control and
   * separator characters appear as {@code \\uXXXX}, long text is cut.
   */
  public static String printable(String text) {
    if (text == null) {
      return "null";
    }
    StringBuilder out = new StringBuilder("\"");
    for (int i = 0; i < text.length() && i < PRINTABLE_LIMIT; i++) {
      char c = text.charAt(i);
      if (c == '\t' || forbidden(c) || c == '"' || c == '\\') {
        out.append(String.format(Locale.ROOT, "\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    if (text.length() > PRINTABLE_LIMIT) {
      out.append("\"... (").append(text.length()).append(" characters)");
      return out.toString();
    }
    return out.append('"').toString();
  }
}
