package io.pgwarden.pgconf;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A test-only reader of postgresql.conf that follows guc-file.l: the flex rules (newline ends a
 * line whatever came before; {@code [ \t\r]+} is blank; {@code #.*} is a comment; {@code ID},
 * {@code QUALIFIED_ID}, {@code STRING}, {@code UNQUOTED_STRING}, {@code INTEGER}, {@code REAL},
 * {@code =}; anything else is an error), the grammar of {@code ParseConfigFp} ({@code name [=]
 * value EOL}, include directives by name) and {@code DeescapeQuotedString}.
 */
final class GucFileReader {
  /** One line that postgres would act on. */
  record Directive(String name, String value, boolean include) {}

  /** The file could not be read by postgres at all. */
  static final class SyntaxError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SyntaxError(int line, String message) {
      super("line " + line + ": " + message);
    }
  }

  private enum Kind {
    ID,
    QUALIFIED_ID,
    STRING,
    UNQUOTED_STRING,
    NUMBER,
    EQUALS,
    ERROR
  }

  private record Token(Kind kind, String text) {}

  private static final String LETTER = "[A-Za-z_\\u0080-\\uffff]";
  private static final String LETTER_OR_DIGIT = "[A-Za-z_0-9\\u0080-\\uffff]";
  private static final Pattern ID = Pattern.compile(LETTER + LETTER_OR_DIGIT + "*");
  private static final Pattern QUALIFIED_ID =
      Pattern.compile(LETTER + LETTER_OR_DIGIT + "*\\." + LETTER + LETTER_OR_DIGIT + "*");
  private static final Pattern UNQUOTED =
      Pattern.compile(LETTER + "(?:" + LETTER_OR_DIGIT + "|[-._:/])*");
  private static final Pattern NUMBER =
      Pattern.compile(
          "[-+]?(?:(?:[0-9]+|0x[0-9a-fA-F]+)[a-zA-Z]*|[0-9]*\\.[0-9]*(?:[Ee][-+]?[0-9]+)?)");

  private GucFileReader() {}

  static List<Directive> read(String text) {
    List<Directive> out = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      List<Token> tokens = lex(lines[i]);
      if (tokens.isEmpty()) {
        continue;
      }
      int p = 0;
      Token name = tokens.get(p++);
      if (name.kind() != Kind.ID && name.kind() != Kind.QUALIFIED_ID) {
        throw new SyntaxError(i + 1, "expected a name, got " + name);
      }
      if (p < tokens.size() && tokens.get(p).kind() == Kind.EQUALS) {
        p++;
      }
      if (p >= tokens.size()) {
        throw new SyntaxError(i + 1, "missing value");
      }
      Token value = tokens.get(p++);
      if (value.kind() == Kind.EQUALS || value.kind() == Kind.ERROR) {
        throw new SyntaxError(i + 1, "bad value " + value);
      }
      if (p != tokens.size()) {
        throw new SyntaxError(i + 1, "garbage after value: " + tokens.subList(p, tokens.size()));
      }
      String v = value.kind() == Kind.STRING ? deescape(value.text()) : value.text();
      String lower = name.text().toLowerCase(Locale.ROOT);
      boolean include =
          lower.equals("include")
              || lower.equals("include_dir")
              || lower.equals("include_if_exists");
      out.add(new Directive(lower, v, include));
    }
    return out;
  }

  private static List<Token> lex(String line) {
    List<Token> tokens = new ArrayList<>();
    int p = 0;
    int n = line.length();
    while (p < n) {
      char c = line.charAt(p);
      if (c == ' ' || c == '\t' || c == '\r') {
        p++;
      } else if (c == '#') {
        break;
      } else if (c == '=') {
        tokens.add(new Token(Kind.EQUALS, "="));
        p++;
      } else if (c == '\'') {
        // STRING  \'([^'\\\n]|\\.|\'\')*\'  (the line holds no \n by construction)
        int q = p + 1;
        boolean closed = false;
        while (q < n) {
          char d = line.charAt(q);
          if (d == '\\') {
            if (q + 1 >= n) {
              break;
            }
            q += 2;
          } else if (d == '\'') {
            if (q + 1 < n && line.charAt(q + 1) == '\'') {
              q += 2;
            } else {
              closed = true;
              q++;
              break;
            }
          } else {
            q++;
          }
        }
        if (!closed) {
          tokens.add(new Token(Kind.ERROR, line.substring(p)));
          return tokens;
        }
        tokens.add(new Token(Kind.STRING, line.substring(p, q)));
        p = q;
      } else {
        // Longest match among the word-like rules, ties to the earlier rule (flex).
        int q = p;
        while (q < n && "=# \t\r'".indexOf(line.charAt(q)) < 0) {
          q++;
        }
        Token best = null;
        for (int end = q; end > p && best == null; end--) {
          String w = line.substring(p, end);
          if (ID.matcher(w).matches()) {
            best = new Token(Kind.ID, w);
          } else if (QUALIFIED_ID.matcher(w).matches()) {
            best = new Token(Kind.QUALIFIED_ID, w);
          } else if (UNQUOTED.matcher(w).matches()) {
            best = new Token(Kind.UNQUOTED_STRING, w);
          } else if (NUMBER.matcher(w).matches()) {
            best = new Token(Kind.NUMBER, w);
          }
        }
        if (best == null) {
          best = new Token(Kind.ERROR, line.substring(p, p + 1));
        }
        tokens.add(best);
        p += best.text().length();
      }
    }
    return tokens;
  }

  /**
   * {@code DeescapeQuotedString}: strips the quotes, {@code ''} is one quote, {@code \} escapes.
   */
  static String deescape(String quoted) {
    String s = quoted.substring(1, quoted.length() - 1);
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 1 < s.length()) {
        char e = s.charAt(++i);
        switch (e) {
          case 'b' -> out.append('\b');
          case 'f' -> out.append('\f');
          case 'n' -> out.append('\n');
          case 'r' -> out.append('\r');
          case 't' -> out.append('\t');
          case '0', '1', '2', '3', '4', '5', '6', '7' -> {
            int value = e - '0';
            for (int k = 0; k < 2 && i + 1 < s.length(); k++) {
              char o = s.charAt(i + 1);
              if (o < '0' || o > '7') {
                break;
              }
              value = value * 8 + (o - '0');
              i++;
            }
            out.append((char) (value & 0xff));
          }
          default -> out.append(e);
        }
      } else if (c == '\'' && i + 1 < s.length() && s.charAt(i + 1) == '\'') {
        out.append('\'');
        i++;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
