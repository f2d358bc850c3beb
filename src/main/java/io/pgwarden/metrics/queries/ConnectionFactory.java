package io.pgwarden.metrics.queries;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * Opens a connection to one database as role {@code cnpg_metrics_exporter}; the integrator
 * implements it.
 */
@FunctionalInterface
public interface ConnectionFactory {
  /** Opens a new connection to {@code database}; the caller closes it. */
  Connection connect(String database) throws SQLException;
}
