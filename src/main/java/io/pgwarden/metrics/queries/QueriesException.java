package io.pgwarden.metrics.queries;

import java.util.List;

/**
 * A {@code queries.yaml} file refused whole: the caller keeps the queries it had. Each problem
 * names the file, the query and the line.
 */
public final class QueriesException extends Exception {
  private static final long serialVersionUID = 1L;

  private final List<String> problems;

  QueriesException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  /** Every problem found in the file, one message each. */
  public List<String> problems() {
    return problems;
  }
}
