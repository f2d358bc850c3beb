package io.pgwarden.metrics.queries;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Exemplars;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the {@code queries.yaml} queries at scrape time and exposes their rows as metrics.
 *
 * <p>Each query is skipped on a standby when {@code primary}, and in a database whose server
 * version is outside {@code runonserver} or whose {@code predicate_query} is false. It runs in its
 * default database, or in each of its {@code target_databases}, a database's queries spread over
 * {@value #CONNECTIONS} connections ({@link DatabaseLanes}): a scrape hands each connection its
 * share as one batch, whose predicate queries, then queries, each go in one round trip ({@link
 * QueryExecutor#queryAll}), and which {@link QueryExecutor#finish} ends. A result is kept {@code
 * cache_seconds}: scrapes within the window touch no database; the first scrape after it refreshes,
 * and concurrent scrapes share that one refresh. A run that fails or runs past its timeout adds one
 * to {@code pgwarden_query_errors_total{query}} and sets {@code pgwarden_query_last_error{query}};
 * the scrape still returns every other query's metrics, waiting at most twice the query timeout.
 */
public final class QueryEngine implements MultiCollector, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(QueryEngine.class);

  /** Databases a {@code *} or a pattern in {@code target_databases} chooses among. */
  static final String DATABASES_SQL =
      "SELECT datname FROM pg_catalog.pg_database WHERE datallowconn AND NOT datistemplate"
          + " AND pg_catalog.has_database_privilege(datname, 'CONNECT') ORDER BY datname";

  /**
   * The connections (each with its thread) a database's statements are spread over, so that a
   * scrape waits for the slowest share rather than for the sum.
   */
  static final int CONNECTIONS = 2;

  private static final MetricMetadata ERRORS =
      new MetricMetadata(QueryMetrics.ERRORS, QueryMetrics.ERRORS_HELP);
  private static final MetricMetadata LAST_ERROR =
      new MetricMetadata(QueryMetrics.LAST_ERROR, QueryMetrics.LAST_ERROR_HELP);

  /** Every how many runs a query runs alone, so that its time (its share of a batch) is known. */
  static final int MEASURE_EVERY = 64;

  /** The default per-statement timeout. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  private final QueryExecutor executor;
  private final BooleanSupplier isPrimary;
  private final String defaultDatabase;
  private final Duration timeout;
  private final LongSupplier nanoClock;
  private final DatabaseLanes lanes;
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
    this.executor = executor;
    this.isPrimary = isPrimary;
    this.defaultDatabase = defaultDatabase;
    this.timeout = timeout;
    this.nanoClock = nanoClock;
    // The engine's own limit backs up the server-side statement_timeout, which a stuck socket can
    // outlive.
    this.lanes = new DatabaseLanes(timeout.plus(timeout.dividedBy(2)));
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
        // Jobs complete normally, with an Outcome carrying the error.
        log.warn("metrics query {} failed unexpectedly", job.query().name(), e.getCause());
      }
    }
    return snapshots(points);
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
  private record Job(UserQuery query, CompletableFuture<Outcome> outcome) {}

  /** Each query's job for this scrape; the runs to start are started, batched by database. */
  private List<Job> start(boolean prefetch) {
    boolean primary = isPrimary.getAsBoolean();
    List<UserQuery> all = queries.get();
    List<Job> jobs = new ArrayList<>(all.size());
    List<Run> runs = new ArrayList<>();
    for (UserQuery q : all) {
      if (q.primaryOnly() && !primary) {
        continue;
      }
      jobs.add(new Job(q, state(q).job(q, runs, prefetch)));
    }
    if (!runs.isEmpty()) {
      launch(runs);
    }
    return jobs;
  }

  private QueryState state(UserQuery q) {
    return states.computeIfAbsent(q.name(), QueryState::new);
  }

  /** The cache and error record of one query name. */
  private final class QueryState {
    /** {@code query="<name>"}, the labels of the engine's own metrics about the query. */
    private final Labels labels;

    private UserQuery query;
    private RowsToPoints rows;
    private CompletableFuture<Outcome> current;
    private long freshUntil;

    /** Started by {@link #prefetch} for the scrape under way, which has not taken it yet. */
    private boolean reserved;

    private long reservedUntil;
    private long errors;
    private boolean lastFailed;
    private String lastMessage = "";
    private volatile long cost;
    private long runs;

    /**
     * The run this scrape reads: the one under way, the cached one, the one a prefetch started for
     * it, or a new one, added to {@code runs} for the caller to start.
     */
    synchronized CompletableFuture<Outcome> job(UserQuery q, List<Run> runs, boolean prefetch) {
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
      CompletableFuture<Outcome> promise = new CompletableFuture<>();
      runs.add(new Run(q, rows, this, promise));
      current = promise.whenComplete((outcome, e) -> finished(q, outcome, cacheNanos));
      reserved = prefetch;
      reservedUntil = now + timeout.toNanos() * 2;
      return current;
    }

    private synchronized void finished(UserQuery q, Outcome outcome, long cacheNanos) {
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

    synchronized long errors() {
      return errors;
    }

    synchronized boolean lastFailed() {
      return lastFailed;
    }

    QueryState(String name) {
      labels = Labels.of(QueryMetrics.QUERY_LABEL, name);
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
     * Whether this run is to run alone, to measure the query's time: its first run and every
     * {@value QueryEngine#MEASURE_EVERY}th; the others go together with the rest of their batch.
     * Queries that started together take their turns on the same scrape, so that every other scrape
     * sends the same texts, which stay prepared on the server.
     */
    synchronized boolean measure() {
      return cost == 0 || ++runs % MEASURE_EVERY == 0;
    }
  }

  /**
   * The samples of one run and, when any database failed, what went wrong.
   *
   * @param points the samples of the databases that succeeded
   * @param error {@code null}, or the failures
   */
  record Outcome(List<Point> points, String error) {}

  /** A query to run now, and the promise of its outcome over all its databases. */
  private record Run(
      UserQuery query, RowsToPoints rows, QueryState state, CompletableFuture<Outcome> promise) {}

  /** A query's run in one database. */
  private record Task(Run run, String database, CompletableFuture<List<Point>> part) {
    UserQuery query() {
      return run.query();
    }
  }

  /**
   * Starts {@code runs}: one batch a database, handed to its lane at once. Queries choosing their
   * databases by {@code *} or a pattern wait for the list of databases, read first in the default
   * database's batch.
   */
  private void launch(List<Run> runs) {
    Map<String, List<Task>> batches = new LinkedHashMap<>();
    batches.put(defaultDatabase, new ArrayList<>());
    List<Run> listed = new ArrayList<>();
    for (Run r : runs) {
      UserQuery q = r.query();
      if (!q.hasTargetDatabases()) {
        plan(r, List.of(defaultDatabase), batches);
      } else if (q.targetDatabases().stream()
          .allMatch(t -> !t.equals("*") && !QueriesParser.isPattern(t))) {
        plan(r, q.targetDatabases(), batches);
      } else {
        listed.add(r);
      }
    }
    for (Map.Entry<String, List<Task>> batch : batches.entrySet()) {
      String db = batch.getKey();
      submit(db, batch.getValue(), db.equals(defaultDatabase) ? listed : List.of());
    }
  }

  /**
   * Spreads {@code tasks} over the database's {@link #CONNECTIONS}: the costliest first, each to
   * the connection with the least work so far (by the queries' times when they last ran alone),
   * each connection's share kept in query order. The listing, when any, goes to connection 0.
   */
  private void submit(String db, List<Task> tasks, List<Run> listing) {
    List<List<Task>> shares = new ArrayList<>(CONNECTIONS);
    for (int i = 0; i < CONNECTIONS; i++) {
      shares.add(new ArrayList<>());
    }
    if (tasks.size() < 2) {
      shares.get(0).addAll(tasks);
    } else {
      long[] load = new long[CONNECTIONS];
      List<Task> costliest = new ArrayList<>(tasks);
      costliest.sort(Comparator.comparingLong((Task t) -> t.run().state().cost()).reversed());
      for (Task t : costliest) {
        int least = 0;
        for (int i = 1; i < CONNECTIONS; i++) {
          if (load[i] < load[least]) {
            least = i;
          }
        }
        shares.get(least).add(t);
        load[least] += Math.max(1, t.run().state().cost());
      }
      IdentityHashMap<Task, Integer> order = new IdentityHashMap<>();
      for (int i = 0; i < tasks.size(); i++) {
        order.put(tasks.get(i), i);
      }
      shares.forEach(share -> share.sort(Comparator.comparing(order::get)));
    }
    for (int i = 0; i < CONNECTIONS; i++) {
      List<Run> mine = i == 0 ? listing : List.of();
      if (!shares.get(i).isEmpty() || !mine.isEmpty()) {
        submit(db, i, shares.get(i), mine);
      }
    }
  }

  /** Adds a task in each of {@code databases} for {@code run}, which completes when all have. */
  @SuppressFBWarnings(
      value = "DLS_DEAD_LOCAL_STORE",
      justification =
          "the unused local is Error Prone's FutureReturnValueIgnored idiom: the future only"
              + " completes the run's promise, which the scrape waits for")
  private static void plan(Run run, List<String> databases, Map<String, List<Task>> batches) {
    List<Task> tasks = new ArrayList<>(databases.size());
    for (String db : databases) {
      Task t = new Task(run, db, new CompletableFuture<>());
      tasks.add(t);
      batches.computeIfAbsent(db, d -> new ArrayList<>()).add(t);
    }
    var unused =
        CompletableFuture.allOf(tasks.stream().map(Task::part).toArray(CompletableFuture<?>[]::new))
            .whenComplete((ignored, e) -> run.promise().complete(outcome(tasks)));
  }

  private static Outcome outcome(List<Task> tasks) {
    List<Point> points = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (Task t : tasks) {
      try {
        points.addAll(t.part().join());
      } catch (CompletionException | CancellationException e) {
        errors.add("database " + t.database() + ": " + message(e));
      }
    }
    return new Outcome(points, errors.isEmpty() ? null : String.join("; ", errors));
  }

  /**
   * Runs {@code tasks} in the lane of {@code db}'s connection {@code connection}, after listing the
   * databases for {@code listing} (whose tasks in other databases go to batches of their own), then
   * ends the batch. Whatever breaks, no task is left waiting.
   */
  private void submit(String db, int connection, List<Task> tasks, List<Run> listing) {
    List<Task> all = new ArrayList<>(tasks);
    try {
      lanes.submit(
          db,
          connection,
          steps -> {
            try {
              if (!listing.isEmpty()) {
                all.addAll(list(db, connection, steps, listing));
              }
              runAll(all, db, connection, steps);
            } catch (RuntimeException e) {
              abandon(all, listing, e);
            } finally {
              executor.finish(db, connection);
            }
          });
    } catch (RejectedExecutionException e) {
      abandon(all, listing, e);
    }
  }

  /**
   * Lists the databases in {@code db} and plans {@code listing}'s runs: their tasks in other
   * databases are submitted; those in {@code db} are returned, for the caller's batch.
   */
  private List<Task> list(String db, int connection, DatabaseLanes.Steps steps, List<Run> listing) {
    CompletableFuture<QueryExecutor.Rows> rows = new CompletableFuture<>();
    steps.run(
        "listing the databases",
        () -> executor.query(db, connection, DATABASES_SQL, timeout),
        rows);
    Map<String, List<Task>> more = new LinkedHashMap<>();
    for (Run r : listing) {
      try {
        plan(r, choose(r.query().targetDatabases(), rows.join()), more);
      } catch (CompletionException | CancellationException e) {
        r.promise().complete(new Outcome(List.of(), "while listing databases: " + message(e)));
      }
    }
    List<Task> here = more.remove(db);
    more.forEach((other, t) -> submit(other, t, List.of()));
    return here == null ? List.of() : here;
  }

  private static void abandon(List<Task> tasks, List<Run> listing, Throwable e) {
    tasks.forEach(t -> t.part().completeExceptionally(e));
    listing.forEach(
        r ->
            r.promise().complete(new Outcome(List.of(), "while listing databases: " + message(e))));
  }

  static List<String> choose(List<String> targets, QueryExecutor.Rows rows) {
    List<String> all = new ArrayList<>();
    for (Map<String, Object> row : rows.rows()) {
      Object name = row.get("datname");
      if (name != null) {
        all.add(name.toString());
      }
    }
    Set<String> chosen = new LinkedHashSet<>();
    for (String target : targets) {
      if (target.equals("*")) {
        chosen.addAll(all);
      } else if (QueriesParser.isPattern(target)) {
        Pattern p = Pattern.compile(target);
        all.stream().filter(db -> p.matcher(db).matches()).forEach(chosen::add);
      } else {
        chosen.add(target);
      }
    }
    return List.copyOf(chosen);
  }

  /**
   * Runs a batch's tasks: those outside their {@code runonserver} range end empty; the predicate
   * queries run together, then the queries whose predicate held (or that have none) together, each
   * set in one round trip ({@link QueryExecutor#queryAll}), but for those whose time is measured
   * this run ({@link QueryState#measure}), which run alone.
   */
  private void runAll(List<Task> tasks, String db, int connection, DatabaseLanes.Steps steps) {
    List<Task> due = new ArrayList<>(tasks.size());
    CompletableFuture<Integer> version = null;
    for (Task t : tasks) {
      VersionRange range = t.query().runOnServer();
      if (!range.equals(VersionRange.ANY)) {
        if (version == null) {
          version = new CompletableFuture<>();
          steps.run(
              "reading the server version",
              () -> executor.serverVersionNum(db, connection),
              version);
        }
        try {
          if (!range.containsServerVersionNum(version.join())) {
            t.part().complete(List.of());
            continue;
          }
        } catch (CompletionException | CancellationException e) {
          t.part().completeExceptionally(e);
          continue;
        }
      }
      due.add(t);
    }
    List<Task> predicated = new ArrayList<>();
    for (Task t : due) {
      if (t.query().predicateQuery().isPresent()) {
        predicated.add(t);
      }
    }
    if (!predicated.isEmpty()) {
      List<QueryExecutor.Result> answers =
          together(steps, db, connection, predicated, q -> q.predicateQuery().orElseThrow());
      for (int i = 0; i < predicated.size(); i++) {
        Task t = predicated.get(i);
        QueryExecutor.Result answer = answers.get(i);
        if (answer.error() != null) {
          t.part().completeExceptionally(answer.error());
          due.remove(t);
        } else if (!holds(answer.rows())) {
          t.part().complete(List.of());
          due.remove(t);
        }
      }
    }
    // A query whose time is to be measured runs alone: its round trip is its time.
    List<Task> timed = new ArrayList<>();
    for (Task t : due) {
      if (t.run().state().measure()) {
        timed.add(t);
      }
    }
    due.removeAll(timed);
    for (Task t : timed) {
      long start = System.nanoTime();
      List<QueryExecutor.Result> alone =
          together(steps, db, connection, List.of(t), UserQuery::query);
      t.run().state().cost(System.nanoTime() - start);
      complete(t, db, alone.get(0));
    }
    if (due.isEmpty()) {
      return;
    }
    List<QueryExecutor.Result> results = together(steps, db, connection, due, UserQuery::query);
    for (int i = 0; i < due.size(); i++) {
      complete(due.get(i), db, results.get(i));
    }
  }

  /** Completes a task with its query's result: its samples, or its failure. */
  private static void complete(Task t, String db, QueryExecutor.Result r) {
    if (r.error() != null) {
      t.part().completeExceptionally(r.error());
      return;
    }
    try {
      t.part().complete(t.run().rows().convert(db, r.rows()));
    } catch (RuntimeException e) {
      t.part().completeExceptionally(e);
    }
  }

  /** Whether a predicate query's answer lets its query run: a first column of 1. */
  private static boolean holds(QueryExecutor.Rows p) {
    if (p.rows().isEmpty() || p.columns().isEmpty()) {
      return false;
    }
    return RowsToPoints.number(p.rows().get(0).get(p.columns().get(0))) == 1;
  }

  /**
   * Runs a statement of each task's query ({@code sql} picks it) together, as one step; when the
   * step fails as a whole (its time limit), each statement fails with it.
   */
  private List<QueryExecutor.Result> together(
      DatabaseLanes.Steps steps,
      String db,
      int connection,
      List<Task> tasks,
      Function<UserQuery, String> sql) {
    List<String> sqls = new ArrayList<>(tasks.size());
    List<String> names = new ArrayList<>(tasks.size());
    for (Task t : tasks) {
      sqls.add(sql.apply(t.query()));
      names.add(t.query().name());
    }
    CompletableFuture<List<QueryExecutor.Result>> done = new CompletableFuture<>();
    steps.run(
        names.size() == 1 ? "query " + names.get(0) : "queries " + String.join(", ", names),
        sqls.size(),
        () -> executor.queryAll(db, connection, sqls, timeout),
        done);
    try {
      return done.join();
    } catch (CompletionException | CancellationException e) {
      Throwable cause = e.getCause() == null ? e : e.getCause();
      Exception failure = cause instanceof Exception x ? x : new IllegalStateException(cause);
      return Collections.nCopies(sqls.size(), QueryExecutor.Result.failed(failure));
    }
  }

  private static String message(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m;
  }

  private MetricSnapshots snapshots(List<Point> points) {
    Map<String, List<Point>> byName = new LinkedHashMap<>();
    for (Point p : points) {
      byName.computeIfAbsent(p.name(), n -> new ArrayList<>()).add(p);
    }
    List<MetricSnapshot> result = new ArrayList<>();
    for (List<Point> family : byName.values()) {
      MetricSnapshot snapshot = snapshot(family);
      if (snapshot != null) {
        result.add(snapshot);
      }
    }
    result.addAll(engineSnapshots());
    return new MetricSnapshots(result);
  }

  /**
   * One family; samples of another type or with labels seen before are dropped, as a registry would
   * refuse them.
   */
  private static MetricSnapshot snapshot(List<Point> family) {
    Point first = family.get(0);
    MetricMetadata meta = first.metadata();
    if (meta == null) {
      log.debug("dropping {}: not a metric name", first.name());
      return null;
    }
    Set<Labels> seen = family.size() > 1 ? new HashSet<>(family.size() * 2) : null;
    List<Point> kept = new ArrayList<>(family.size());
    for (Point p : family) {
      if (p.kind() == first.kind() && (seen == null || seen.add(p.labels()))) {
        kept.add(p);
      } else {
        log.debug("dropping a duplicate sample of {} {}", p.name(), p.labels());
      }
    }
    return switch (first.kind()) {
      case GAUGE -> {
        List<GaugeDataPointSnapshot> points = new ArrayList<>(kept.size());
        for (Point p : kept) {
          points.add(new GaugeDataPointSnapshot(p.value(), p.labels(), null));
        }
        yield new GaugeSnapshot(meta, points);
      }
      case COUNTER -> {
        List<CounterDataPointSnapshot> points = new ArrayList<>(kept.size());
        for (Point p : kept) {
          points.add(new CounterDataPointSnapshot(p.value(), p.labels(), null, 0L));
        }
        yield new CounterSnapshot(meta, points);
      }
      case HISTOGRAM -> {
        List<HistogramDataPointSnapshot> points = new ArrayList<>(kept.size());
        for (Point p : kept) {
          points.add(
              new HistogramDataPointSnapshot(
                  p.buckets(), p.value(), p.labels(), Exemplars.EMPTY, 0L));
        }
        yield new HistogramSnapshot(meta, points);
      }
    };
  }

  private List<MetricSnapshot> engineSnapshots() {
    List<UserQuery> all = queries.get();
    List<CounterDataPointSnapshot> errors = new ArrayList<>(all.size());
    List<GaugeDataPointSnapshot> last = new ArrayList<>(all.size());
    for (UserQuery q : all) {
      QueryState s = states.get(q.name());
      long count = s == null ? 0 : s.errors();
      boolean failed = s != null && s.lastFailed();
      Labels labels = s == null ? Labels.of(QueryMetrics.QUERY_LABEL, q.name()) : s.labels();
      errors.add(new CounterDataPointSnapshot(count, labels, null, 0L));
      last.add(new GaugeDataPointSnapshot(failed ? 1 : 0, labels, null));
    }
    return List.of(new CounterSnapshot(ERRORS, errors), new GaugeSnapshot(LAST_ERROR, last));
  }

  /** Stops the database threads; a scrape after this returns only the engine's own metrics. */
  @Override
  public void close() {
    lanes.close();
  }
}
