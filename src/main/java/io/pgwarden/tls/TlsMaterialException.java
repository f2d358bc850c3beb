package io.pgwarden.tls;

/**
 * TLS material that cannot be used: unreadable PEM, a key that does not match its certificate, an
 * expired certificate, a certificate from another CA. The message names the source and says what to
 * do; the caller keeps whatever material it used before.
 */
public final class TlsMaterialException extends Exception {
  private static final long serialVersionUID = 1L;

  public TlsMaterialException(String message) {
    super(message);
  }

  public TlsMaterialException(String message, Throwable cause) {
    super(message, cause);
  }
}
