package io.pgwarden.metrics.queries;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@code queries.yaml} queries at scrape time and exposes their rows as metrics.
 *
 * <p>Each query is skipped on a standby when {@code primary}, and in a database whose server
 * version is outside {@code runonserver} or whose {@code predicate_query} is false. It runs in its
 * default database, or in each of its {@code target_databases}, a database's queries spread over
 * {@value BatchPlanner#CONNECTIONS} connections ({@link DatabaseLanes}): a scrape hands each
 * connection its share as one batch, whose predicate queries, then queries, each go in one round
 * trip ({@link QueryExecutor#queryAll}), and which {@link QueryExecutor#finish} ends. A result is
 * kept {@code cache_seconds}: scrapes within the window touch no database; the first scrape after
 * it refreshes, and concurrent scrapes share that one refresh. A run that fails or runs past its
 * timeout adds one to {@code pgwarden_query_errors_total{query}} and sets {@code
 * pgwarden_query_last_error{query}}; the scrape still returns every other query's metrics, waiting
 * at most twice the query timeout.
 *
 * <p>The work is split: {@link QueryState} keeps a query's cache and errors, {@link BatchPlanner}
 * decides which queries go on which connection, {@link BatchRunner} runs a connection's batch, and
 * {@link Samples} assembles the samples into families.
 */
public final class QueryEngine implements MultiCollector, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QueryEngine.class);

  /** Databases a {@code *} or a pattern in {@code target_databases} chooses among. */
  static final String DATABASES_SQL =
      "SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate"
          + " AND pg_catalog.has_database_privilege(datname, 'CONNECT') ORDER BY datname";

  /** The default per-statement timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  private final BooleanSupplier isPrimary;
  private final Duration timeout;
  private final LongSupplier nanoClock;
  private final DatabaseLanes lanes;
  private final BatchPlanner planner;
  private final AtomicReference<List<UserQuery>> queries = new AtomicReference<>(List.of());
  private final Map<String, QueryState> states = new ConcurrentHashMap<>();

  /**
   * Creates an engine with no queries; {@link #reload} gives it some.
   *
   * @param executor runs SQL, e.g. {@link JdbcQueryExecutor}
   * @param isPrimary whether the instance is the primary now, read once a scrape
   * @param defaultDatabase where queries without {@code target_databases} run, e.g. {@code
   *     postgres}
   * @param timeout each statement's timeout, e.g. {@link #DEFAULT_TIMEOUT}
   */
  public QueryEngine(
      QueryExecutor executor, BooleanSupplier isPrimary, String defaultDatabase, Duration timeout) {
    this(executor, isPrimary, defaultDatabase, timeout, System::nanoTime);
  }

  QueryEngine(
      QueryExecutor executor,
      BooleanSupplier isPrimary,
      String defaultDatabase,
      Duration timeout,
      LongSupplier nanoClock) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("query timeout must be positive, not " + timeout);
    }
    this.isPrimary = isPrimary;
    this.timeout = timeout;
    this.nanoClock = nanoClock;
    // The engine's own limit backs up the server-side statement_timeout, which a stuck socket can
    // outlive.
    this.lanes = new DatabaseLanes(timeout.plus(timeout.dividedBy(2)));
    this.planner = new BatchPlanner(executor, lanes, defaultDatabase, timeout);
  }

  /** Replaces the queries at once; cached results of queries that changed or went are dropped. */
  public void reload(List<UserQuery> newQueries) {
    List<UserQuery> copy = List.copyOf(newQueries);
    queries.set(copy);
    Set<String> names = new LinkedHashSet<>();
    copy.forEach(q -> names.add(q.name()));
    states.keySet().retainAll(names);
  }

  /** The queries in use. */
  public List<UserQuery> queries() {
    return queries.get();
  }

  @Override
  public MetricSnapshots collect() {
    List<Job> jobs = start(false);
    long deadline = nanoClock.getAsLong() + timeout.toNanos() * 2;
    List<Point> points = new ArrayList<>();
    for (Job job : jobs) {
      long left = Math.max(0, deadline - nanoClock.getAsLong());
      try {
        points.addAll(job.outcome().get(left, TimeUnit.NANOSECONDS).points());
      } catch (TimeoutException e) {
        log.debug("metrics query {} still running at the end of the scrape", job.query().name());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (ExecutionException e) {
        // Jobs complete normally, with an outcome carrying the error.
        log.warn("metrics query {} failed unexpectedly", job.query().name(), e.getCause());
      }
    }
    return Samples.snapshots(points, queries.get(), states);
  }

  /**
   * Starts, without waiting for them, the runs the next {@link #collect} needs: the scrape that
   * calls this before its other collectors has the queries run in the meantime. A run started here
   * serves that one {@code collect} (within twice the query timeout), as if it had started it.
   */
  public void prefetch() {
    start(true);
  }

  /** A query, and the outcome of the run a scrape reads. */
  private record Job(UserQuery query, CompletableFuture<QueryOutcome> outcome) {}

  /** Each query's job for this scrape; the runs to start are started, batched by database. */
  private List<Job> start(boolean prefetch) {
    boolean primary = isPrimary.getAsBoolean();
    List<UserQuery> all = queries.get();
    List<Job> jobs = new ArrayList<>(all.size());
    List<QueryRun> runs = new ArrayList<>();
    for (UserQuery q : all) {
      if (q.primaryOnly() && !primary) {
        continue;
      }
      jobs.add(new Job(q, state(q).job(q, runs, prefetch)));
    }
    if (!runs.isEmpty()) {
      planner.launch(runs);
    }
    return jobs;
  }

  private QueryState state(UserQuery q) {
    // A prefetched run waits for its scrape as long as a scrape waits for its runs.
    return states.computeIfAbsent(
        q.name(), name -> new QueryState(name, nanoClock, timeout.toNanos() * 2));
  }

  /** Stops the database threads; a scrape after this returns only the engine's own metrics. */
  @Override
  public void close() {
    lanes.close();
  }
}
