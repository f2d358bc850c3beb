package io.pgwarden.logs;

import java.util.List;

/**
 * The columns of PostgreSQL's csvlog, by server version. PostgreSQL 13 added {@code backend_type},
 * 14 added {@code leader_pid} and {@code query_id}; a record is mapped by its column count (see
 * {@code CSVLOG} in the documentation of each version, "Using CSV-Format Log Output").
 */
final class CsvColumns {
  /** PostgreSQL 14 and later: 26 columns. */
  static final List<String> PG14 =
      List.of(
          "log_time",
          "user_name",
          "database_name",
          "process_id",
          "connection_from",
          "session_id",
          "session_line_num",
          "command_tag",
          "session_start_time",
          "virtual_transaction_id",
          "transaction_id",
          "error_severity",
          "sql_state_code",
          "message",
          "detail",
          "hint",
          "internal_query",
          "internal_query_pos",
          "context",
          "query",
          "query_pos",
          "location",
          "application_name",
          "backend_type",
          "leader_pid",
          "query_id");

  /** Index of {@code message}, the same in every version. */
  static final int MESSAGE = PG14.indexOf("message");

  /**
   * The column names for a record of {@code count} fields, or null when no version has that many.
   */
  static List<String> forCount(int count) {
    return switch (count) {
      // 26: PostgreSQL 14+; 24: PostgreSQL 13, up to backend_type; 23: 12 and older
      case 26, 24, 23 -> PG14.subList(0, count);
      default -> null;
    };
  }

  private CsvColumns() {}
}
