package io.pgwarden.core;

/** pgwarden cannot start with the input it was given; the message names the input. */
public final class StartupException extends Exception {
  private static final long serialVersionUID = 1L;

  public StartupException(String message, Throwable cause) {
    super(message, cause);
  }

  public StartupException(String message) {
    super(message);
  }
}
