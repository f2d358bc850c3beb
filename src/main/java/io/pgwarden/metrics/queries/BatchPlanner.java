package io.pgwarden.metrics.queries;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.regex.Pattern;

/**
 * Plans a scrape's runs: which databases each query runs in, and which of a database's {@value
 * #CONNECTIONS} connections each query goes on; then hands each connection's share to its lane
 * ({@link DatabaseLanes}) as one batch, which {@link BatchRunner} runs and {@link
 * QueryExecutor#finish} ends. Whatever breaks, every run's promise is completed.
 */
final class BatchPlanner {
  /**
   * The connections (each with its thread) a database's statements are spread over, so that a
   * scrape waits for the slowest share rather than for the sum.
   */
  static final int CONNECTIONS = 2;

  private final QueryExecutor executor;
  private final DatabaseLanes lanes;
  private final BatchRunner runner;
  private final String defaultDatabase;
  private final Duration timeout;

  /**
   * @param executor runs the SQL, and ends each batch
   * @param lanes the threads the batches run in
   * @param defaultDatabase where queries without {@code target_databases} run, and the databases
   *     are listed
   * @param timeout each statement's timeout
   */
  BatchPlanner(
      QueryExecutor executor, DatabaseLanes lanes, String defaultDatabase, Duration timeout) {
    this.executor = executor;
    this.lanes = lanes;
    this.runner = new BatchRunner(executor, timeout);
    this.defaultDatabase = defaultDatabase;
    this.timeout = timeout;
  }

  /**
   * Starts {@code runs}: one batch a database, handed to its lane at once. Queries choosing their
   * databases by {@code *} or a pattern wait for the list of databases, read first in the default
   * database's batch.
   */
  void launch(List<QueryRun> runs) {
    Map<String, List<QueryTask>> batches = new LinkedHashMap<>();
    batches.put(defaultDatabase, new ArrayList<>());
    List<QueryRun> listed = new ArrayList<>();
    for (QueryRun r : runs) {
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
    for (Map.Entry<String, List<QueryTask>> batch : batches.entrySet()) {
      String db = batch.getKey();
      submit(db, batch.getValue(), db.equals(defaultDatabase) ? listed : List.of());
    }
  }

  /**
   * Spreads {@code tasks} over the database's {@link #CONNECTIONS}: the costliest first, each to
   * the connection with the least work so far (by the queries' times when they last ran alone),
   * each connection's share kept in query order. The listing, when any, goes to connection 0.
   */
  private void submit(String db, List<QueryTask> tasks, List<QueryRun> listing) {
    List<List<QueryTask>> shares = shares(tasks);
    for (int i = 0; i < CONNECTIONS; i++) {
      List<QueryRun> mine = i == 0 ? listing : List.of();
      if (!shares.get(i).isEmpty() || !mine.isEmpty()) {
        submit(db, i, shares.get(i), mine);
      }
    }
  }

  /** {@code tasks} spread over the {@link #CONNECTIONS}, as {@link #submit} says. */
  static List<List<QueryTask>> shares(List<QueryTask> tasks) {
    List<List<QueryTask>> shares = new ArrayList<>(CONNECTIONS);
    for (int i = 0; i < CONNECTIONS; i++) {
      shares.add(new ArrayList<>());
    }
    if (tasks.size() < 2) {
      shares.get(0).addAll(tasks);
      return shares;
    }
    long[] load = new long[CONNECTIONS];
    List<QueryTask> costliest = new ArrayList<>(tasks);
    costliest.sort(Comparator.comparingLong((QueryTask t) -> t.run().state().cost()).reversed());
    for (QueryTask t : costliest) {
      int least = 0;
      for (int i = 1; i < CONNECTIONS; i++) {
        if (load[i] < load[least]) {
          least = i;
        }
      }
      shares.get(least).add(t);
      load[least] += Math.max(1, t.run().state().cost());
    }
    IdentityHashMap<QueryTask, Integer> order = new IdentityHashMap<>();
    for (int i = 0; i < tasks.size(); i++) {
      order.put(tasks.get(i), i);
    }
    shares.forEach(share -> share.sort(Comparator.comparing(order::get)));
    return shares;
  }

  /** Adds a task in each of {@code databases} for {@code run}, which completes when all have. */
  @SuppressFBWarnings(
      value = "DLS_DEAD_LOCAL_STORE",
      justification =
          "the unused local is Error Prone's FutureReturnValueIgnored idiom: the future only"
              + " completes the run's promise, which the scrape waits for")
  private static void plan(
      QueryRun run, List<String> databases, Map<String, List<QueryTask>> batches) {
    List<QueryTask> tasks = new ArrayList<>(databases.size());
    for (String db : databases) {
      QueryTask t = new QueryTask(run, db, new CompletableFuture<>());
      tasks.add(t);
      batches.computeIfAbsent(db, d -> new ArrayList<>()).add(t);
    }
    var unused =
        CompletableFuture.allOf(
                tasks.stream().map(QueryTask::part).toArray(CompletableFuture<?>[]::new))
            .whenComplete((ignored, e) -> run.promise().complete(outcome(tasks)));
  }

  private static QueryOutcome outcome(List<QueryTask> tasks) {
    List<Point> points = new ArrayList<>();
    List<String> errors = new ArrayList<>();
    for (QueryTask t : tasks) {
      try {
        points.addAll(t.part().join());
      } catch (CompletionException | CancellationException e) {
        errors.add("database " + t.database() + ": " + message(e));
      }
    }
    return new QueryOutcome(points, errors.isEmpty() ? null : String.join("; ", errors));
  }

  /**
   * Runs {@code tasks} in the lane of {@code db}'s connection {@code connection}, after listing the
   * databases for {@code listing} (whose tasks in other databases go to batches of their own), then
   * ends the batch. Whatever breaks, no task is left waiting.
   */
  private void submit(String db, int connection, List<QueryTask> tasks, List<QueryRun> listing) {
    List<QueryTask> all = new ArrayList<>(tasks);
    try {
      lanes.submit(
          db,
          connection,
          steps -> {
            try {
              if (!listing.isEmpty()) {
                all.addAll(list(db, connection, steps, listing));
              }
              runner.runAll(all, db, connection, steps);
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
  private List<QueryTask> list(
      String db, int connection, DatabaseLanes.Steps steps, List<QueryRun> listing) {
    CompletableFuture<QueryExecutor.Rows> rows = new CompletableFuture<>();
    steps.run(
        "listing the databases",
        () -> executor.query(db, connection, QueryEngine.DATABASES_SQL, timeout),
        rows);
    Map<String, List<QueryTask>> more = new LinkedHashMap<>();
    for (QueryRun r : listing) {
      try {
        plan(r, choose(r.query().targetDatabases(), rows.join()), more);
      } catch (CompletionException | CancellationException e) {
        r.promise().complete(new QueryOutcome(List.of(), "while listing databases: " + message(e)));
      }
    }
    List<QueryTask> here = more.remove(db);
    more.forEach((other, t) -> submit(other, t, List.of()));
    return here == null ? List.of() : here;
  }

  private static void abandon(List<QueryTask> tasks, List<QueryRun> listing, Throwable e) {
    tasks.forEach(t -> t.part().completeExceptionally(e));
    listing.forEach(
        r ->
            r.promise()
                .complete(new QueryOutcome(List.of(), "while listing databases: " + message(e))));
  }

  /**
   * The databases {@code targets} choose among those listed in {@code rows} (column {@code
   * datname}): all for {@code *}, those a pattern matches whole, a name as it is; each once, in
   * that order.
   */
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

  private static String message(Throwable e) {
    Throwable t = e;
    while ((t instanceof CompletionException || t instanceof ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    String m = t.getMessage();
    return m == null ? t.getClass().getSimpleName() : m;
  }
}
