package io.pgwarden.logs;

import java.util.List;

/** Writes fields back as one CSV line, quoting as PostgreSQL's csvlog does. */
final class CsvText {
  private CsvText() {}

  static String join(List<String> fields) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      String f = fields.get(i);
      if (needsQuotes(f)) {
        sb.append('"').append(f.replace("\"", "\"\"")).append('"');
      } else {
        sb.append(f);
      }
    }
    return sb.toString();
  }

  private static boolean needsQuotes(String f) {
    for (int i = 0; i < f.length(); i++) {
      char c = f.charAt(i);
      if (c == ',' || c == '"' || c == '\n' || c == '\r') {
        return true;
      }
    }
    return false;
  }
}
