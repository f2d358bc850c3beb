package io.pgwarden.sql;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.SQLWarning;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.BaseStatement;
import org.postgresql.core.CachedQuery;
import org.postgresql.core.Field;
import org.postgresql.core.Query;
import org.postgresql.core.QueryExecutor;
import org.postgresql.core.ResultCursor;
import org.postgresql.core.ResultHandlerBase;
import org.postgresql.core.TransactionState;
import org.postgresql.core.Tuple;

/**
 * Statements sent to postgres together, as one multi-statement text: one round trip for all.
 * pgjdbc's core API runs the text and hands each statement's result to a handler as it comes, so
 * that each result, and the error that ends the text, is known to be a given statement's (JDBC's
 * {@code Statement} gives nothing back from a text that failed). When a statement fails, postgres
 * skips the rest of the text.
 *
 * <p>A {@link Text} is parsed once and run again and again; from its fifth run, as pgjdbc's own
 * prepared statements, its statements are prepared on the server (named, planned once).
 *
 * <p>This is the one class of pgwarden that uses pgjdbc's internal API ({@code
 * org.postgresql.core}, not covered by pgjdbc's compatibility promises): nothing of it shows in
 * this class's signatures. {@code TogetherIT} pins the behaviour relied on (how a text splits,
 * which statement each result and the error are, the transaction state after a text), so that a
 * pgjdbc upgrade that changes it fails there first.
 */
public final class Together {
  /** Runs after which a text's statements are prepared on the server, as pgjdbc's default. */
  private static final int PREPARE_THRESHOLD = 5;

  private Together() {}

  /** A text as pgjdbc split it into statements; {@link #close} frees its server statements. */
  public static final class Text implements AutoCloseable {
    private final CachedQuery cached;
    private final int statements;

    private Text(CachedQuery cached) {
      this.cached = cached;
      Query[] parts = cached.query.getSubqueries();
      this.statements = parts != null ? parts.length : cached.query.isEmpty() ? 0 : 1;
    }

    /** The statements pgjdbc found in the text. */
    public int statements() {
      return statements;
    }

    @Override
    public void close() {
      cached.query.close();
    }
  }

  /**
   * Parses {@code sql} as pgjdbc would run it on {@code connection} ({@code ?} is no parameter).
   */
  public static Text parse(Connection connection, String sql) throws SQLException {
    return new Text(
        connection.unwrap(BaseConnection.class).getQueryExecutor().createQuery(sql, true, false));
  }

  /** How many statements pgjdbc finds in {@code sql}: 1 for a single one, 0 for none. */
  public static int statements(Connection connection, String sql) throws SQLException {
    try (Text t = parse(connection, sql)) {
      return t.statements();
    }
  }

  /** Where a connection stands with respect to a transaction, as postgres last reported. */
  public enum Transaction {
    /** No transaction under way. */
    IDLE,
    /** A transaction under way. */
    OPEN,
    /** A failed transaction, awaiting its rollback; or a connection that cannot tell. */
    FAILED
  }

  /**
   * The transaction state postgres reported with its last {@code ReadyForQuery}, without a round
   * trip; {@link Transaction#FAILED} when the connection cannot tell (it is closed or not
   * pgjdbc's).
   */
  public static Transaction transaction(Connection connection) {
    TransactionState state;
    try {
      state = connection.unwrap(BaseConnection.class).getTransactionState();
    } catch (SQLException e) {
      return Transaction.FAILED;
    }
    return switch (state) {
      case IDLE -> Transaction.IDLE;
      case OPEN -> Transaction.OPEN;
      case FAILED -> Transaction.FAILED;
    };
  }

  /**
   * Runs {@code text} on {@code connection}, in its transaction when autocommit is off (pgjdbc
   * begins one when none is under way, {@code READ ONLY} on a read-only connection); never throws:
   * a failure, of a statement or of the connection, is the outcome's {@link Outcome#error}.
   */
  public static Outcome run(Connection connection, Text text) {
    Handler outcome = new Handler();
    try {
      text.cached.increaseExecuteCount();
      int flags =
          text.cached.getExecuteCount() < PREPARE_THRESHOLD ? QueryExecutor.QUERY_ONESHOT : 0;
      BaseConnection base = connection.unwrap(BaseConnection.class);
      if (connection.getAutoCommit()) {
        flags |= QueryExecutor.QUERY_SUPPRESS_BEGIN;
      } else if (base.hintReadOnly()) {
        flags |= QueryExecutor.QUERY_READ_ONLY_HINT; // BEGIN READ ONLY, as pgjdbc's statements
      }
      base.getQueryExecutor()
          .execute(
              text.cached.query, text.cached.query.createParameterList(), outcome, 0, 0, flags);
    } catch (SQLException e) {
      outcome.handleError(e);
    }
    return outcome.outcome;
  }

  /**
   * What came back from a text, statement by statement: the rows of a statement that returned some
   * (a query), the command status of one that did not; and the first error, with the number of
   * statements done before it (the index of the statement that failed).
   */
  @SuppressFBWarnings(
      value = "EI_EXPOSE_REP",
      justification = "the error is handed on as it came, to be reported")
  public static final class Outcome {
    /** Per statement done: its {@link Rows}, or its command status. */
    private final List<Object> parts = new ArrayList<>();

    private SQLException error;
    private int failed = -1;

    private Outcome() {}

    /** The statements done, in order (the one that failed not among them). */
    public int done() {
      return parts.size();
    }

    /** Whether statement {@code i}, done, returned rows (it was a query). */
    public boolean hasRows(int i) {
      return parts.get(i) instanceof Rows;
    }

    /**
     * The rows of statement {@code i}, done and a query, as a result set of {@code statement} (one
     * kept for the purpose: creating result sets is all it does), which the caller closes.
     *
     * @throws ClassCastException when statement {@code i} returned no rows ({@link #hasRows})
     */
    public ResultSet rows(Statement statement, int i) throws SQLException {
      Rows r = (Rows) parts.get(i);
      return statement
          .unwrap(BaseStatement.class)
          .createResultSet(r.query, r.fields, r.tuples, null);
    }

    /** The error that ended the text; {@code null} when every statement was done. */
    public SQLException error() {
      return error;
    }

    /** The index of the statement that failed, or -1; the failure may be the connection's. */
    public int failed() {
      return failed;
    }
  }

  /** A statement's rows as pgjdbc handed them over. */
  private static final class Rows {
    final Query query;
    final Field[] fields;
    final List<Tuple> tuples;

    Rows(Query query, Field[] fields, List<Tuple> tuples) {
      this.query = query;
      this.fields = fields;
      this.tuples = tuples;
    }
  }

  /** Collects pgjdbc's callbacks, one a statement, into an {@link Outcome}. */
  private static final class Handler extends ResultHandlerBase {
    private final Outcome outcome = new Outcome();

    @Override
    public void handleResultRows(
        Query fromQuery, Field[] fields, List<Tuple> tuples, ResultCursor cursor) {
      outcome.parts.add(new Rows(fromQuery, fields, tuples));
    }

    @Override
    public void handleCommandStatus(String status, long updateCount, long insertOID) {
      outcome.parts.add(status);
    }

    @Override
    public void handleWarning(SQLWarning warning) {
      // a notice is no failure
    }

    @Override
    public void handleError(SQLException e) {
      if (outcome.error == null) {
        outcome.error = e;
        outcome.failed = outcome.parts.size();
      }
    }

    @Override
    public void handleCompletion() {
      // the error is read, not thrown
    }

    @Override
    public SQLException getException() {
      return outcome.error;
    }
  }
}
