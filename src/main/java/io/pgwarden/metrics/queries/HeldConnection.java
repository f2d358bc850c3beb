package io.pgwarden.metrics.queries;

import io.pgwarden.sql.Together;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * One connection of {@link JdbcQueryExecutor} (a database and connection number) and what it keeps
 * between calls: its session state (the batch's transaction, its timeout), the texts built and
 * parsed for it, and the server version. Used by one thread at a time.
 */
final class HeldConnection {
  /** Texts kept before they are all dropped (queries replaced many times over). */
  private static final int MAX_TEXTS = 1000;

  /**
   * The combined texts kept prepared a connection: each holds a server-side statement a part once
   * pgjdbc prepares it, so only a few are kept, the least recently used going first: the texts a
   * scrape sends every time stay, the occasional one (a query timed alone, a query cached for
   * longer) comes and goes.
   */
  private static final int MAX_COMBINED = 16;

  final Connection connection;

  /** The statements prefixed with {@link SessionText}'s settings, by query text. */
  final Map<String, String> begin = new HashMap<>();

  /** The statements prefixed with the rollback to the savepoint, by query text. */
  final Map<String, String> next = new HashMap<>();

  /** Whether a query text is a single statement, by text. */
  private final Map<String, Boolean> single = new HashMap<>();

  /** The combined texts, parsed, by text, least recently used first. */
  private final Map<String, Together.Text> combined = new RecentTexts();

  /** Combined texts whose statements do not split as their parts: their parts run alone. */
  private final Set<String> apart = new HashSet<>();

  /** The timeout in the texts of {@link #begin}. */
  private long textsMillis;

  /** Makes pgjdbc's result sets from the rows of a combined text; opened on first use. */
  private Statement results;

  /** The server's {@code server_version_num}, 0 until read. */
  int version;

  long lastUsed = System.nanoTime();

  /** Whether the batch's transaction is under way, with its settings and savepoint. */
  boolean open;

  /** The {@code statement_timeout} the open transaction has, in milliseconds. */
  long timeoutMillis;

  HeldConnection(Connection connection) {
    this.connection = connection;
  }

  /** Combined texts, least recently used first; past {@link #MAX_COMBINED}, that one is closed. */
  private static final class RecentTexts extends LinkedHashMap<String, Together.Text> {
    private static final long serialVersionUID = 1L;

    RecentTexts() {
      super(MAX_COMBINED * 2, 0.75f, true);
    }

    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Together.Text> eldest) {
      if (size() <= MAX_COMBINED) {
        return false;
      }
      eldest.getValue().close();
      return true;
    }
  }

  /**
   * Starts the kept texts afresh when queries were replaced many times over or the timeout moved to
   * {@code millis}.
   */
  void forget(long millis) {
    if (begin.size() + next.size() + single.size() + apart.size() > MAX_TEXTS
        || textsMillis != millis) {
      begin.clear();
      next.clear();
      single.clear();
      combined.values().forEach(Together.Text::close);
      combined.clear();
      apart.clear();
      textsMillis = millis;
    }
  }

  /** Whether {@code sql} is one statement for pgjdbc, so that it can go into a combined text. */
  boolean single(String sql) {
    Boolean one = single.get(sql);
    if (one == null) {
      try {
        one = Together.statements(connection, sql) == 1;
      } catch (SQLException e) {
        one = false; // running it alone reports the problem
      }
      single.put(sql, one);
    }
    return one;
  }

  /**
   * The combined text, parsed once; {@code null} when it does not split into {@code statements}
   * statements (its parts then run alone).
   */
  Together.Text combined(String text, int statements) throws SQLException {
    Together.Text t = combined.get(text);
    if (t == null && !apart.contains(text)) {
      t = Together.parse(connection, text);
      if (t.statements() == statements) {
        combined.put(text, t);
      } else {
        t.close();
        t = null;
        apart.add(text);
      }
    }
    return t;
  }

  /** The statement that makes result sets of combined texts' rows, opened on first use. */
  Statement results() throws SQLException {
    if (results == null) {
      results = connection.createStatement();
    }
    return results;
  }

  /** Closes the connection, ignoring a failure: a broken connection fails as it broke. */
  void closeQuietly() {
    try {
      connection.close();
    } catch (SQLException e) {
      // Closing a broken connection fails the same way it broke; nothing more to do.
    }
  }
}
