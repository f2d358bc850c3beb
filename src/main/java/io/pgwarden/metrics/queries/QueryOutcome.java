package io.pgwarden.metrics.queries;

import java.util.List;

/**
 * The samples of one run of a query, over all its databases, and, when any database failed, what
 * went wrong.
 *
 * @param points the samples of the databases that succeeded
 * @param error {@code null}, or the failures
 */
record QueryOutcome(List<Point> points, String error) {}
