package io.pgwarden.pgdata;

/** The data directory cannot be used as it is; the message says why and what to do. */
public final class InvalidDataDirectoryException extends Exception {
  private static final long serialVersionUID = 1L;

  public InvalidDataDirectoryException(String message) {
    super(message);
  }
}
