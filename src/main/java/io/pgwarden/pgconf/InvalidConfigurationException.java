package io.pgwarden.pgconf;

/**
 * A user-supplied configuration entry pgwarden refuses to render. Unchecked: it is a verdict on the
 * Cluster spec, not a failure to recover from locally; renderers collect these in {@link
 * Rendered#refused()} so that the rest of the configuration keeps working.
 */
public final class InvalidConfigurationException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String field;

  /**
   * @param field the path of the offending entry in the Cluster spec, e.g. {@code
   *     spec.postgresql.parameters.archive_mode} or {@code spec.postgresql.pg_hba[2]}
   * @param message what is wrong and what to do about it
   */
  public InvalidConfigurationException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  /** The path of the offending entry in the Cluster spec. */
  public String field() {
    return field;
  }
}
