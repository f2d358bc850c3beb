package io.pgwarden.logs;

/**
 * The one JSON string escaper of pgwarden, and a small builder of the objects it logs.
 *
 * <p>Escaping follows RFC 8259 section 7: {@code "} and {@code \} are escaped, control characters
 * below U+0020 use the short forms ({@code \n}, {@code \t}, ...) or {@code \}{@code u00XX}. U+2028
 * and U+2029 are escaped too, because JavaScript consumers treat them as line ends. A lone UTF-16
 * surrogate cannot be encoded as UTF-8, so it becomes U+FFFD: the output is always valid UTF-8.
 */
public final class JsonText {
  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private JsonText() {}

  /** Appends {@code s} as a quoted JSON string; {@code null} appends {@code ""}. */
  public static StringBuilder appendString(StringBuilder out, CharSequence s) {
    out.append('"');
    if (s != null) {
      appendEscaped(out, s);
    }
    return out.append('"');
  }

  /** {@code s} as a quoted JSON string. */
  public static String quote(CharSequence s) {
    return appendString(new StringBuilder(s == null ? 2 : s.length() + 16), s).toString();
  }

  private static void appendEscaped(StringBuilder out, CharSequence s) {
    int len = s.length();
    int start = 0; // first character not yet copied: runs of plain characters are copied at once
    for (int i = 0; i < len; i++) {
      char c = s.charAt(i);
      String shortForm = null;
      boolean escape;
      if (c < 0x20 || c == '"' || c == '\\' || c == '\u2028' || c == '\u2029') {
        escape = true;
        shortForm = shortForm(c);
      } else if (Character.isSurrogate(c)) {
        boolean paired =
            Character.isHighSurrogate(c)
                && i + 1 < len
                && Character.isLowSurrogate(s.charAt(i + 1));
        if (paired) {
          i++; // keep the pair as it is
          continue;
        }
        escape = true;
        shortForm = "\ufffd";
      } else {
        escape = false;
      }
      if (escape) {
        out.append(s, start, i);
        if (shortForm != null) {
          out.append(shortForm);
        } else {
          out.append("\\u00").append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
        }
        start = i + 1;
      }
    }
    out.append(s, start, len);
  }

  private static String shortForm(char c) {
    return switch (c) {
      case '"' -> "\\\"";
      case '\\' -> "\\\\";
      case '\n' -> "\\n";
      case '\r' -> "\\r";
      case '\t' -> "\\t";
      case '\b' -> "\\b";
      case '\f' -> "\\f";
      case '\u2028' -> "\\u2028";
      case '\u2029' -> "\\u2029";
      default -> null;
    };
  }

  /** A new builder of one JSON object. */
  public static ObjectBuilder object() {
    return new ObjectBuilder();
  }

  /**
   * Builds one JSON object whose values are strings or nested objects. Keys are written in call
   * order; nothing checks for duplicates.
   */
  public static final class ObjectBuilder {
    private final StringBuilder out = new StringBuilder(256).append('{');
    private boolean needComma;
    private int depth = 1;

    private ObjectBuilder() {}

    /** Adds {@code "key":"value"}; a {@code null} value is written as {@code ""}. */
    public ObjectBuilder field(String key, CharSequence value) {
      key(key);
      appendString(out, value);
      return this;
    }

    /** Adds the field unless {@code value} is null or empty. */
    public ObjectBuilder fieldIfNotEmpty(String key, CharSequence value) {
      if (value != null && value.length() > 0) {
        field(key, value);
      }
      return this;
    }

    /** Opens {@code "key":{}}; the next fields go inside it until {@link #endObject()}. */
    public ObjectBuilder beginObject(String key) {
      key(key);
      out.append('{');
      needComma = false;
      depth++;
      return this;
    }

    /** Closes the object opened last by {@link #beginObject(String)}. */
    public ObjectBuilder endObject() {
      if (depth <= 1) {
        throw new IllegalStateException("endObject without beginObject");
      }
      out.append('}');
      needComma = true;
      depth--;
      return this;
    }

    /** The JSON text, closing the nested objects still open. */
    public String build() {
      StringBuilder result = new StringBuilder(out.length() + depth).append(out);
      for (int i = 0; i < depth; i++) {
        result.append('}');
      }
      return result.toString();
    }

    private void key(String key) {
      if (needComma) {
        out.append(',');
      }
      appendString(out, key).append(':');
      needComma = true;
    }
  }
}
