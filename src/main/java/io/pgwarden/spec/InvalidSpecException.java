package io.pgwarden.spec;

/**
 * User input in a Cluster that pgwarden refuses; {@link #field()} is its path, e.g. {@code
 * spec.stopDelay}.
 */
public final class InvalidSpecException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String field;

  public InvalidSpecException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  public InvalidSpecException(String field, String message, Throwable cause) {
    super(field + ": " + message, cause);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
