package io.pgwarden.logs;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Recognises pgaudit messages and splits them into their fields. pgaudit writes {@code AUDIT: }
 * followed by one CSV line of its own (statement and parameter quoted, with doubled quotes, when
 * they hold a comma, a quote or a newline): see {@code log_audit_event} in pgaudit.c.
 */
final class PgAudit {
  static final String PREFIX = "AUDIT: ";

  static final List<String> FIELDS =
      List.of(
          "audit_type",
          "statement_id",
          "substatement_id",
          "class",
          "command",
          "object_type",
          "object_name",
          "statement",
          "parameter");

  private PgAudit() {}

  static boolean isAudit(String message) {
    return message != null && message.startsWith(PREFIX);
  }

  /**
   * The fields of an audit message, at most {@link #FIELDS}{@code .size()}: should a line hold more
   * (an unquoted parameter with commas), the surplus is joined back into the last field.
   */
  static List<String> parse(String message) {
    byte[] csv = message.substring(PREFIX.length()).getBytes(StandardCharsets.UTF_8);
    try {
      CsvRecordReader reader = new CsvRecordReader(new ByteArrayInputStream(csv));
      List<String> fields = reader.next();
      if (fields == null) {
        return List.of();
      }
      if (fields.size() <= FIELDS.size()) {
        return fields;
      }
      String last = String.join(",", fields.subList(FIELDS.size() - 1, fields.size()));
      List<String> head = new java.util.ArrayList<>(fields.subList(0, FIELDS.size() - 1));
      head.add(last);
      return head;
    } catch (IOException e) {
      // A ByteArrayInputStream does not fail.
      throw new UncheckedIOException("while parsing a pgaudit message", e);
    }
  }
}
