package io.pgwarden.pgconf;

import java.util.ArrayList;
import java.util.List;

/**
 * One user-supplied line of pg_hba.conf or pg_ident.conf, tokenized the way postgres does and
 * checked to stay one line of one rule.
 *
 * <p>The tokenizer mirrors {@code next_token} and {@code next_field_expand} of <a
 * href="https://github.com/postgres/postgres/blob/REL_17_STABLE/src/backend/libpq/hba.c">hba.c</a>:
 * blanks are space, tab and CR; an unquoted comma separates the tokens of one field; {@code "}
 * quotes, {@code ""} inside quotes is a quote; an unquoted {@code #} starts a comment; a token that
 * starts with an unquoted {@code @} includes a file. {@code tokenize_auth_file} joins a line that
 * ends with a backslash to the next one (PostgreSQL 16+) and treats a line of two fields starting
 * with {@code include}, {@code include_if_exists} or {@code include_dir} as a directive.
 */
final class AuthFileLine {
  /** pgwarden's bound on one rule, far above any real rule, to keep files and messages sane. */
  static final int MAX_LENGTH = 8192;

  /** One token: its de-quoted text and whether it began with a quote. */
  record Token(String text, boolean quoted) {}

  private AuthFileLine() {}

  /**
   * Checks what pg_hba.conf and pg_ident.conf entries share and returns the fields of the line.
   *
   * @throws InvalidConfigurationException when the entry could be read as more than one line,
   *     includes a file, has an unterminated quote or carries no rule at all
   */
  static List<List<Token>> fields(String field, String entry) {
    ConfigLiteral.requireSingleLine(field, "rule", entry);
    if (entry.length() > MAX_LENGTH) {
      throw new InvalidConfigurationException(
          field, "rule is " + entry.length() + " characters long; keep it under " + MAX_LENGTH);
    }
    if (entry.endsWith("\\")) {
      throw new InvalidConfigurationException(
          field,
          "rule ends with a backslash, which postgres reads as a line continuation; remove it");
    }
    Tokenized tokenized = tokenize(entry);
    if (tokenized.unterminatedQuote()) {
      throw new InvalidConfigurationException(
          field, "rule has an unterminated double quote; close it or remove it");
    }
    for (List<Token> tokens : tokenized.fields()) {
      for (Token token : tokens) {
        if (!token.quoted() && token.text().startsWith("@")) {
          throw new InvalidConfigurationException(
              field,
              "token "
                  + ConfigLiteral.printable(token.text())
                  + " would include a file (@file); list the names in the rule itself, or"
                  + " quote the token if the '@' is part of a name");
        }
      }
    }
    if (tokenized.fields().isEmpty()) {
      throw new InvalidConfigurationException(
          field, "entry is empty or only a comment; remove it or write a rule");
    }
    String first = tokenized.fields().get(0).get(0).text();
    if (first.equals("include")
        || first.equals("include_if_exists")
        || first.equals("include_dir")) {
      throw new InvalidConfigurationException(
          field, "'" + first + "' would include other files; write the rules themselves");
    }
    return tokenized.fields();
  }

  /** The fields of a line and whether a quote was left open. */
  record Tokenized(List<List<Token>> fields, boolean unterminatedQuote) {}

  /** Splits one line into fields of tokens exactly as hba.c does, without expanding files. */
  static Tokenized tokenize(String line) {
    List<List<Token>> fields = new ArrayList<>();
    boolean unterminated = false;
    int pos = 0;
    int n = line.length();
    while (pos < n) {
      List<Token> tokens = new ArrayList<>();
      boolean terminatingComma;
      do {
        while (pos < n && (blank(line.charAt(pos)) || line.charAt(pos) == ',')) {
          pos++;
        }
        StringBuilder buf = new StringBuilder();
        boolean inQuote = false;
        boolean wasQuote = false;
        boolean sawQuote = false;
        boolean initialQuote = false;
        terminatingComma = false;
        while (pos < n && (!blank(line.charAt(pos)) || inQuote)) {
          char c = line.charAt(pos);
          if (c == '#' && !inQuote) {
            pos = n;
            break;
          }
          if (c == ',' && !inQuote) {
            terminatingComma = true;
            break;
          }
          if (c != '"' || wasQuote) {
            buf.append(c);
          }
          // Literal double-quote is two double-quotes.
          wasQuote = (inQuote && c == '"') && !wasQuote;
          if (c == '"') {
            inQuote = !inQuote;
            sawQuote = true;
            if (buf.length() == 0) {
              initialQuote = true;
            }
          }
          pos++;
        }
        unterminated |= inQuote;
        if (!sawQuote && buf.length() == 0) {
          break;
        }
        tokens.add(new Token(buf.toString(), initialQuote));
      } while (terminatingComma);
      if (!tokens.isEmpty()) {
        fields.add(List.copyOf(tokens));
      }
    }
    return new Tokenized(List.copyOf(fields), unterminated);
  }

  /** {@code pg_isblank}. */
  static boolean blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
  }
}
