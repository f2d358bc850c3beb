package io.pgwarden.metrics.queries;

import io.prometheus.metrics.model.snapshots.Labels;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cache and error record of one query name: the run a scrape reads (under way, cached for
 * {@code cache_seconds}, or reserved by a prefetch for the scrape under way), the errors counted,
 * whether the last run failed, and the query's time when it last ran alone. Thread-safe.
 */
final class QueryState {
  private static final Logger log = LoggerFactory.getLogger(QueryState.class);

  /** Every how many runs a query runs alone, so that its time (its share of a batch) is known. */
  static final int MEASURE_EVERY = 64;

  /** {@code query="<name>"}, the labels of the engine's own metrics about the query. */
  private final Labels labels;

  private final LongSupplier nanoClock;

  /** How long a run that a prefetch started waits for the scrape it was started for. */
  private final long reservationNanos;

  private UserQuery query;
  private RowsToPoints rows;
  private CompletableFuture<QueryOutcome> current;
  private long freshUntil;

  /** Started by a prefetch for the scrape under way, which has not taken it yet. */
  private boolean reserved;

  private long reservedUntil;
  private long errors;
  private boolean lastFailed;
  private String lastMessage = "";
  private volatile long cost;
  private long runs;

  /**
   * The record of query {@code name}.
   *
   * @param nanoClock the engine's clock
   * @param reservationNanos how long a prefetched run is kept for its scrape (the scrape's wait)
   */
  QueryState(String name, LongSupplier nanoClock, long reservationNanos) {
    this.labels = Labels.of(QueryMetrics.QUERY_LABEL, name);
    this.nanoClock = nanoClock;
    this.reservationNanos = reservationNanos;
  }

  /**
   * The run this scrape reads: the one under way, the cached one, the one a prefetch started for
   * it, or a new one, added to {@code runs} for the caller to start.
   */
  synchronized CompletableFuture<QueryOutcome> job(
      UserQuery q, List<QueryRun> runs, boolean prefetch) {
    if (!q.equals(query)) {
      query = q;
      rows = new RowsToPoints(q);
      current = null;
      reserved = false;
    }
    long now = nanoClock.getAsLong();
    if (current != null
        && (!current.isDone() || now - freshUntil < 0 || (reserved && now - reservedUntil < 0))) {
      reserved &= prefetch;
      return current;
    }
    long cacheNanos = TimeUnit.SECONDS.toNanos(q.cacheSeconds());
    CompletableFuture<QueryOutcome> promise = new CompletableFuture<>();
    runs.add(new QueryRun(q, rows, this, promise));
    current = promise.whenComplete((outcome, e) -> finished(q, outcome, cacheNanos));
    reserved = prefetch;
    reservedUntil = now + reservationNanos;
    return current;
  }

  private synchronized void finished(UserQuery q, QueryOutcome outcome, long cacheNanos) {
    freshUntil = nanoClock.getAsLong() + cacheNanos;
    if (outcome == null || outcome.error() == null) {
      if (lastFailed) {
        log.info("metrics query {} succeeds again", q.name());
      }
      lastFailed = false;
      lastMessage = "";
      return;
    }
    errors++;
    lastFailed = true;
    if (!outcome.error().equals(lastMessage)) {
      log.warn("metrics query {} failed: {}", q.name(), outcome.error());
      lastMessage = outcome.error();
    }
  }

  /** The runs that failed, in any database. */
  synchronized long errors() {
    return errors;
  }

  /** Whether the last run that finished failed. */
  synchronized boolean lastFailed() {
    return lastFailed;
  }

  Labels labels() {
    return labels;
  }

  /**
   * How long the query took the last time it ran alone (in one of its databases), to spread a
   * database's queries over its connections; 0 before it first ran.
   */
  long cost() {
    return cost;
  }

  void cost(long nanos) {
    cost = nanos;
  }

  /**
   * Whether this run is to run alone, to measure the query's time: its first run and every {@value
   * #MEASURE_EVERY}th; the others go together with the rest of their batch. Queries that started
   * together take their turns on the same scrape, so that every other scrape sends the same texts,
   * which stay prepared on the server.
   */
  synchronized boolean measure() {
    return cost == 0 || ++runs % MEASURE_EVERY == 0;
  }
}
