package io.pgwarden.metrics.queries;

import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A query's run in one database.
 *
 * @param run the run it is part of
 * @param database where it runs
 * @param part its samples there, or its failure
 */
record QueryTask(QueryRun run, String database, CompletableFuture<List<Point>> part) {
  UserQuery query() {
    return run.query();
  }
}
