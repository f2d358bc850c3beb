package io.pgwarden.metrics.queries;

import java.util.List;

/**
 * The SQL {@link JdbcQueryExecutor} puts around the queries: each runs in the batch's transaction
 * with {@code search_path = pg_catalog, public, pg_temp} and its {@code statement_timeout}, after a
 * savepoint that the next statement rolls back to, so that nothing a statement changes in its
 * session (a {@code set_config}, a {@code SET}) is seen by the next. The settings, the savepoint
 * and the rollback to it travel with the statement, in the same round trip.
 */
final class SessionText {
  /** The savepoint each statement runs after, and the next statement rolls back to. */
  private static final String SAVEPOINT = "pgwarden_query";

  /**
   * After pgjdbc's {@code BEGIN READ ONLY} (the connection is read-only): the settings, local to
   * the transaction, in one statement (the timeout goes between), the savepoint, then the query.
   */
  private static final String BEGIN =
      "SELECT pg_catalog.set_config('search_path', 'pg_catalog, public, pg_temp', true),"
          + " pg_catalog.set_config('statement_timeout', '";

  /** Ends {@link #BEGIN}'s settings: the savepoint. */
  private static final String BEGIN_SAVE = "', true); SAVEPOINT " + SAVEPOINT + ";\n";

  private static final int BEGIN_STATEMENTS = 2;

  /** Ends {@link #NEXT_TIMEOUT}'s setting: the savepoint. */
  private static final String SAVE = "; SAVEPOINT " + SAVEPOINT + ";\n";

  /** Undoes the previous statement: 1 statement, then the query. */
  private static final String NEXT = "ROLLBACK TO SAVEPOINT " + SAVEPOINT + ";\n";

  /**
   * Undoes the previous statement and sets another timeout: 3 statements (the timeout goes
   * between), then the query.
   */
  private static final String NEXT_TIMEOUT =
      "ROLLBACK TO SAVEPOINT " + SAVEPOINT + "; SET LOCAL statement_timeout = ";

  private static final int NEXT_TIMEOUT_STATEMENTS = 3;

  /** Ends a combined text: the rollback of its transaction. */
  private static final String END = "\n;ROLLBACK";

  /** Between two statements of a combined text. */
  private static final String BETWEEN = "\n;ROLLBACK TO SAVEPOINT " + SAVEPOINT + ";\n";

  private SessionText() {}

  /**
   * A text to send, and the statements before the first query in it.
   *
   * @param text the SQL
   * @param prefix how many statements come before the (first) query
   */
  record Text(String text, int prefix) {}

  /**
   * {@code sql} after what {@code h}'s session needs first for a statement with a {@code millis}
   * timeout: the settings and the savepoint when no transaction is under way, else the rollback to
   * the savepoint (and the new timeout when it moved). Built once a query text.
   */
  static Text alone(HeldConnection h, String sql, long millis) {
    if (!h.open) {
      return new Text(
          h.begin.computeIfAbsent(sql, q -> BEGIN + millis + BEGIN_SAVE + q), BEGIN_STATEMENTS);
    }
    if (h.timeoutMillis != millis) {
      return new Text(NEXT_TIMEOUT + millis + SAVE + sql, NEXT_TIMEOUT_STATEMENTS);
    }
    return new Text(h.next.computeIfAbsent(sql, q -> NEXT + q), 1);
  }

  /**
   * {@code sqls} from {@code from}, {@code count} of them, as one text: what the session needs
   * first (as {@link #alone}), the queries with a rollback to the savepoint between them, then the
   * rollback of the transaction. Statement i of the text's queries is statement {@code prefix + 2 *
   * i} of the text, which has {@code prefix + 2 * count} statements in all.
   */
  static Text combined(HeldConnection h, List<String> sqls, int from, int count, long millis) {
    StringBuilder text = new StringBuilder(256 * count);
    int prefix;
    if (!h.open) {
      text.append(BEGIN).append(millis).append(BEGIN_SAVE);
      prefix = BEGIN_STATEMENTS;
    } else if (h.timeoutMillis != millis) {
      text.append(NEXT_TIMEOUT).append(millis).append(SAVE);
      prefix = NEXT_TIMEOUT_STATEMENTS;
    } else {
      text.append(NEXT);
      prefix = 1;
    }
    for (int i = from; i < from + count; i++) {
      if (i > from) {
        text.append(BETWEEN);
      }
      text.append(sqls.get(i));
    }
    text.append(END);
    return new Text(text.toString(), prefix);
  }
}
