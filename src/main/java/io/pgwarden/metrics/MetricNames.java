package io.pgwarden.metrics;

import java.util.List;

/**
 * Every metric name pgwarden itself exports, with its help text: CloudNativePG's built-ins, named
 * and described as {@code pkg/management/postgres/webserver/metricserver/pg_collector.go} does, and
 * pgwarden's own meters. Counters are named as scraped, with {@code _total}.
 */
public final class MetricNames {
  /** A metric's exposed name and its {@code # HELP}. */
  public record Name(String name, String help) {
    /** The name without a counter's {@code _total}, as the Prometheus model wants it. */
    public String baseName() {
      return name.endsWith("_total") ? name.substring(0, name.length() - 6) : name;
    }

    /** The dotted name Micrometer turns into {@link #name()}. */
    String micrometerName() {
      return baseName().replace('_', '.');
    }
  }

  // CloudNativePG's built-ins; labels as CloudNativePG sets them.

  /** Label {@code cluster}. */
  public static final Name UP =
      new Name("cnpg_collector_up", "1 if PostgreSQL is up, 0 otherwise.");

  public static final Name COLLECTIONS_TOTAL =
      new Name(
          "cnpg_collector_collections_total",
          "Total number of times PostgreSQL was accessed for metrics.");

  /** Label {@code collector}, e.g. {@code Collect.PGVersion}. */
  public static final Name COLLECTION_ERRORS_TOTAL =
      new Name(
          "cnpg_collector_collection_errors_total",
          "Total errors occurred accessing PostgreSQL for metrics.");

  public static final Name LAST_COLLECTION_ERROR =
      new Name(
          "cnpg_collector_last_collection_error",
          "1 if the last collection ended with error, 0 otherwise.");

  /** Label {@code collector}. */
  public static final Name COLLECTION_DURATION_SECONDS =
      new Name("cnpg_collector_collection_duration_seconds", "Collection time duration in seconds");

  /** Labels {@code full} (e.g. {@code 15.18}) and {@code cluster}. */
  public static final Name POSTGRES_VERSION =
      new Name("cnpg_collector_postgres_version", "Postgres version");

  /**
   * Label {@code value}: {@code count}, {@code size} (bytes), and in segments {@code min}, {@code
   * max}, {@code keep}, {@code slots_max}, {@code volume_max}; {@code volume_size} (bytes).
   */
  public static final Name PG_WAL =
      new Name(
          "cnpg_collector_pg_wal",
          "Total size in bytes of WAL segments in the '/var/lib/postgresql/data/pgdata/pg_wal'"
              + " directory  computed as (wal_segment_size * count)");

  /** Label {@code value}: {@code ready}, {@code done}. */
  public static final Name PG_WAL_ARCHIVE_STATUS =
      new Name(
          "cnpg_collector_pg_wal_archive_status",
          "Number of WAL segments in the"
              + " '/var/lib/postgresql/data/pgdata/pg_wal/archive_status' directory (ready, done)");

  public static final Name FENCING_ON =
      new Name("cnpg_collector_fencing_on", "1 if the instance is fenced, 0 otherwise");

  public static final Name REPLICA_MODE =
      new Name("cnpg_collector_replica_mode", "1 if the cluster is in replica mode, 0 otherwise");

  public static final Name MANUAL_SWITCHOVER_REQUIRED =
      new Name(
          "cnpg_collector_manual_switchover_required",
          "1 if a manual switchover is required, 0 otherwise");

  public static final Name NODES_USED =
      new Name(
          "cnpg_collector_nodes_used",
          "NodesUsed represents the count of distinct nodes accommodating the instances. A value"
              + " of '-1' suggests that the metric is not available.");

  /** Label {@code value}: {@code min}, {@code max}, {@code expected}, {@code observed}. */
  public static final Name SYNC_REPLICAS =
      new Name(
          "cnpg_collector_sync_replicas",
          "Number of requested synchronous replicas (synchronous_standby_names)");

  // pg_stat_wal, PostgreSQL 14 and later; label stats_reset. PostgreSQL 18 moved the write and
  // sync columns to pg_stat_io: those four are exported only where pg_stat_wal has them.

  public static final Name WAL_RECORDS =
      new Name(
          "cnpg_collector_wal_records",
          "Total number of WAL records generated. Only available on PG 14+");
  public static final Name WAL_FPI =
      new Name(
          "cnpg_collector_wal_fpi",
          "Total number of WAL full page images generated. Only available on PG 14+");
  public static final Name WAL_BYTES =
      new Name(
          "cnpg_collector_wal_bytes",
          "Total amount of WAL generated in bytes. Only available on PG 14+");
  public static final Name WAL_BUFFERS_FULL =
      new Name(
          "cnpg_collector_wal_buffers_full",
          "Number of times WAL data was written to disk because WAL buffers became full. Only"
              + " available on PG 14+");
  public static final Name WAL_WRITE =
      new Name(
          "cnpg_collector_wal_write",
          "Number of times WAL buffers were written out to disk via XLogWrite request. Only"
              + " available on PG 14+");
  public static final Name WAL_SYNC =
      new Name(
          "cnpg_collector_wal_sync",
          "Number of times WAL files were synced to disk via issue_xlog_fsync request. Only"
              + " available on PG 14+");
  public static final Name WAL_WRITE_TIME =
      new Name(
          "cnpg_collector_wal_write_time",
          "Total amount of time spent writing WAL buffers to disk via XLogWrite request, in"
              + " milliseconds. Only available on PG 14+");
  public static final Name WAL_SYNC_TIME =
      new Name(
          "cnpg_collector_wal_sync_time",
          "Total amount of time spent syncing WAL files to disk via issue_xlog_fsync request, in"
              + " milliseconds. Only available on PG 14+");

  /** The pg_stat_wal metrics, in the order of {@link PostgresReadings.StatWal#columns()}. */
  public static final List<Name> STAT_WAL =
      List.of(
          WAL_RECORDS,
          WAL_FPI,
          WAL_BYTES,
          WAL_BUFFERS_FULL,
          WAL_WRITE,
          WAL_SYNC,
          WAL_WRITE_TIME,
          WAL_SYNC_TIME);

  // The collector labels of collection_errors_total and collection_duration_seconds.

  static final String COLLECT_UP = "Collect.up";
  static final String COLLECT_WAL_ARCHIVE = "Collect.PgWALArchiveStats";
  static final String COLLECT_WAL_SETTINGS = "Collect.PGWalSettings";
  static final String COLLECT_VERSION = "Collect.PGVersion";
  static final String COLLECT_STAT_WAL = "Collect.PGWALStat";
  static final String COLLECT_SYNC = "Collect.SynchronousStandbys";

  // pgwarden's own meters.

  public static final Name POSTGRES_RESTARTS =
      new Name(
          "pgwarden_postgres_restarts_total",
          "Times pgwarden restarted postgres after it exited unexpectedly.");
  public static final Name POSTGRES_RELOADS =
      new Name(
          "pgwarden_postgres_reloads_total",
          "Times pgwarden asked postgres to reload its configuration.");
  public static final Name CONFIG_HASH_CHANGES =
      new Name(
          "pgwarden_config_hash_changes_total",
          "Times the rendered postgres configuration changed (its hash differs).");
  public static final Name LOG_RECORDS =
      new Name("pgwarden_log_records_total", "Log records written to stdout.");
  public static final Name LOG_BYTES =
      new Name("pgwarden_log_bytes_total", "Bytes of log records written to stdout.");
  public static final Name LOG_RECORDS_DROPPED =
      new Name(
          "pgwarden_log_records_dropped_total",
          "Log records dropped because stdout did not keep up.");
  public static final Name STATUS_REQUESTS =
      new Name(
          "pgwarden_status_requests_total", "Requests answered by the status API (port 8000).");

  /** Label {@code certificate}: one of {@link #CERTIFICATES}. */
  public static final Name CERTIFICATE_EXPIRY_SECONDS =
      new Name(
          "pgwarden_certificate_expiry_seconds",
          "Seconds until the certificate expires (negative once expired, NaN when not loaded).");

  /** The {@code certificate} label values of {@link #CERTIFICATE_EXPIRY_SECONDS}. */
  public static final List<String> CERTIFICATES =
      List.of("server", "server_ca", "client_ca", "replication");

  private MetricNames() {}
}
