package io.pgwarden.metrics;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Opens a connection to postgres for the built-in metrics, as role {@code postgres} (the WAL
 * directory functions need it or {@code pg_monitor}). pgwarden passes {@code () ->
 * postgres.connect("postgres", 10)}.
 */
@FunctionalInterface
public interface ConnectionFactory {
  /** A new connection; the caller closes it. */
  Connection connect() throws SQLException;
}
