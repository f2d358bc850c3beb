package io.pgwarden.settings;

/** A flag or environment variable with a value pgwarden cannot use; the message names the key. */
public final class InvalidSettingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;

  public InvalidSettingException(String key, String message) {
    super(key + ": " + message);
    this.key = key;
  }

  public String key() {
    return key;
  }
}
