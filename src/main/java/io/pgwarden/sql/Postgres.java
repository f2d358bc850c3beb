package io.pgwarden.sql;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Properties;

/**
 * Opens connections to the local postgres over its Unix socket. Authentication is {@code peer}: the
 * operating system user running pgwarden maps to {@code postgres} through pg_ident's {@code local}
 * map, so no password exists for pgwarden's own access.
 */
public final class Postgres {
  private final Path socket;

  /**
   * @param socket the socket file, {@code <controller>/run/.s.PGSQL.<port>}
   */
  public Postgres(Path socket) {
    this.socket = socket;
  }

  /** A connection as {@code postgres} to {@code database}, with the given socket timeout. */
  public Connection connect(String database, int socketTimeoutSeconds) throws SQLException {
    return connectAs("postgres", database, socketTimeoutSeconds);
  }

  /**
   * A connection as {@code role}, which pg_ident must map pgwarden's operating system user to
   * (CONTRACT.md: {@code local} for postgres, {@code cnpg_metrics_exporter} for metrics).
   */
  public Connection connectAs(String role, String database, int socketTimeoutSeconds)
      throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", role);
    props.setProperty("socketFactory", UnixSocketFactory.class.getName());
    props.setProperty("socketFactoryArg", socket.toString());
    props.setProperty("sslmode", "disable");
    props.setProperty("gssEncMode", "disable");
    props.setProperty("ApplicationName", "pgwarden");
    props.setProperty("connectTimeout", "10");
    props.setProperty("socketTimeout", Integer.toString(socketTimeoutSeconds));
    props.setProperty("assumeMinServerVersion", "15");
    return DriverManager.getConnection("jdbc:postgresql://localhost/" + database, props);
  }
}
