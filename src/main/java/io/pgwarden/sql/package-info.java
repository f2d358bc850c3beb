/**
 * Connections to postgres over its Unix socket with peer authentication, and the SQL pgwarden runs.
 */
package io.pgwarden.sql;
