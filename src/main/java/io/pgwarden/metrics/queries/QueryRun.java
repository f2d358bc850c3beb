package io.pgwarden.metrics.queries;

import java.util.concurrent.CompletableFuture;

/**
 * A query to run now, and the promise of its outcome over all its databases.
 *
 * @param query the query
 * @param rows turns its rows into samples
 * @param state its cache and error record, which keeps its time
 * @param promise completed, normally, once every database's part is done
 */
record QueryRun(
    UserQuery query,
    RowsToPoints rows,
    QueryState state,
    CompletableFuture<QueryOutcome> promise) {}
