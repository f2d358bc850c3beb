package io.pgwarden.metrics.queries;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

/**
 * Runs a batch's tasks on one connection, in its lane: those outside their {@code runonserver}
 * range end empty; the predicate queries run together, then the queries whose predicate held (or
 * that have none) together, each set in one round trip ({@link QueryExecutor#queryAll}), but for
 * those whose time is measured this run ({@link QueryState#measure}), which run alone. Every task
 * is completed, with its samples or its failure.
 */
final class BatchRunner {
  private final QueryExecutor executor;
  private final Duration timeout;

  /**
   * @param executor runs the SQL
   * @param timeout each statement's timeout
   */
  BatchRunner(QueryExecutor executor, Duration timeout) {
    this.executor = executor;
    this.timeout = timeout;
  }

  /** Runs {@code tasks} on {@code db}'s connection {@code connection}, as {@code steps}. */
  void runAll(List<QueryTask> tasks, String db, int connection, DatabaseLanes.Steps steps) {
    List<QueryTask> due = inRange(tasks, db, connection, steps);
    List<QueryTask> predicated = new ArrayList<>();
    for (QueryTask t : due) {
      if (t.query().predicateQuery().isPresent()) {
        predicated.add(t);
      }
    }
    if (!predicated.isEmpty()) {
      List<QueryExecutor.Result> answers =
          together(steps, db, connection, predicated, q -> q.predicateQuery().orElseThrow());
      for (int i = 0; i < predicated.size(); i++) {
        QueryTask t = predicated.get(i);
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
    List<QueryTask> timed = new ArrayList<>();
    for (QueryTask t : due) {
      if (t.run().state().measure()) {
        timed.add(t);
      }
    }
    due.removeAll(timed);
    for (QueryTask t : timed) {
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

  /**
   * The tasks whose {@code runonserver} range holds the server's version (read once, when a task
   * has a range); the others are completed: empty, or with the failure to read the version.
   */
  private List<QueryTask> inRange(
      List<QueryTask> tasks, String db, int connection, DatabaseLanes.Steps steps) {
    List<QueryTask> due = new ArrayList<>(tasks.size());
    CompletableFuture<Integer> version = null;
    for (QueryTask t : tasks) {
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
    return due;
  }

  /** Completes a task with its query's result: its samples, or its failure. */
  private static void complete(QueryTask t, String db, QueryExecutor.Result r) {
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
      List<QueryTask> tasks,
      Function<UserQuery, String> sql) {
    List<String> sqls = new ArrayList<>(tasks.size());
    List<String> names = new ArrayList<>(tasks.size());
    for (QueryTask t : tasks) {
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
}
