/**
 * The instance's {@code PostgresqlStatus} as CloudNativePG's operator reads it from {@code
 * /pg/status}: computed from postgres, coalesced across callers, written as JSON.
 */
package io.pgwarden.status;
