package io.pgwarden.pgconf;

import java.util.ArrayList;
import java.util.List;

/**
 * A test-only reader of pg_hba.conf and pg_ident.conf written from hba.c independently of {@link
 * AuthFileLine}: lines split on LF, trailing CR/LF stripped, backslash continuation joined ({@code
 * tokenize_auth_file}), then {@code next_token}/{@code next_field_expand}. It reports {@code @file}
 * inclusions and {@code include*} directives instead of following them.
 */
final class AuthFileReader {
  record Token(String text, boolean quoted) {}

  /** One logical line postgres would act on. */
  record Line(List<List<Token>> fields, boolean includesFile, boolean includeDirective) {
    List<String> words() {
      List<String> out = new ArrayList<>();
      for (List<Token> field : fields) {
        StringBuilder b = new StringBuilder();
        for (Token t : field) {
          if (b.length() > 0) {
            b.append(',');
          }
          b.append(t.quoted() ? "\"" + t.text() + "\"" : t.text());
        }
        out.add(b.toString());
      }
      return out;
    }
  }

  private AuthFileReader() {}

  static List<Line> read(String text) {
    List<Line> out = new ArrayList<>();
    String[] physical = text.split("\n", -1);
    int i = 0;
    while (i < physical.length) {
      StringBuilder buf = new StringBuilder();
      int lastBackslash = 0;
      while (i < physical.length) {
        buf.append(physical[i++]);
        while (buf.length() > 0
            && (buf.charAt(buf.length() - 1) == '\r' || buf.charAt(buf.length() - 1) == '\n')) {
          buf.setLength(buf.length() - 1);
        }
        if (buf.length() > lastBackslash && buf.charAt(buf.length() - 1) == '\\') {
          buf.setLength(buf.length() - 1);
          lastBackslash = buf.length();
          continue;
        }
        break;
      }
      Line line = tokenize(buf.toString());
      if (!line.fields().isEmpty()) {
        out.add(line);
      }
    }
    return out;
  }

  private static boolean blank(char c) {
    return c == ' ' || c == '\t' || c == '\r';
  }

  private static Line tokenize(String s) {
    List<List<Token>> fields = new ArrayList<>();
    boolean includesFile = false;
    int[] pos = {0};
    while (pos[0] < s.length()) {
      List<Token> field = new ArrayList<>();
      boolean comma;
      do {
        boolean[] flags = new boolean[3]; // initialQuote, terminatingComma, any
        String tok = nextToken(s, pos, flags);
        comma = flags[1];
        if (!flags[2]) {
          break;
        }
        if (!flags[0] && tok.length() > 1 && tok.charAt(0) == '@') {
          includesFile = true;
        }
        field.add(new Token(tok, flags[0]));
      } while (comma);
      if (!field.isEmpty()) {
        fields.add(field);
      }
    }
    boolean directive = false;
    if (fields.size() == 2) {
      String first = fields.get(0).get(0).text();
      directive =
          first.equals("include")
              || first.equals("include_dir")
              || first.equals("include_if_exists");
    }
    return new Line(fields, includesFile, directive);
  }

  private static String nextToken(String s, int[] pos, boolean[] flags) {
    int n = s.length();
    while (pos[0] < n && (blank(s.charAt(pos[0])) || s.charAt(pos[0]) == ',')) {
      pos[0]++;
    }
    StringBuilder buf = new StringBuilder();
    boolean inQuote = false;
    boolean wasQuote = false;
    boolean sawQuote = false;
    while (pos[0] < n && (!blank(s.charAt(pos[0])) || inQuote)) {
      char c = s.charAt(pos[0]);
      if (c == '#' && !inQuote) {
        pos[0] = n;
        break;
      }
      if (c == ',' && !inQuote) {
        flags[1] = true;
        break;
      }
      if (c != '"' || wasQuote) {
        buf.append(c);
      }
      if (inQuote && c == '"') {
        wasQuote = !wasQuote;
      } else {
        wasQuote = false;
      }
      if (c == '"') {
        inQuote = !inQuote;
        sawQuote = true;
        if (buf.length() == 0) {
          flags[0] = true;
        }
      }
      pos[0]++;
    }
    flags[2] = sawQuote || buf.length() > 0;
    return buf.toString();
  }
}
