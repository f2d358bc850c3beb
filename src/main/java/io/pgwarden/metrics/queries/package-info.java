/**
 * User and default metrics queries in the postgres_exporter {@code queries.yaml} format: parsing,
 * running them at scrape time as role {@code cnpg_metrics_exporter}, and turning their rows into
 * Prometheus snapshots.
 */
package io.pgwarden.metrics.queries;
