/**
 * Port 9187: the Prometheus endpoint ({@link io.pgwarden.metrics.MetricsServer}), CloudNativePG's
 * built-in {@code cnpg_collector_*} metrics ({@link io.pgwarden.metrics.BuiltinCollector}) and
 * pgwarden's own {@code pgwarden_*} meters ({@link io.pgwarden.metrics.PgwardenMeters}), all in one
 * Prometheus registry.
 */
package io.pgwarden.metrics;
