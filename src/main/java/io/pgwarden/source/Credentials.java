package io.pgwarden.source;

/** A user name and its password; {@link #toString()} never shows the password. */
public final class Credentials {
  private final String username;
  private final char[] password;

  public Credentials(String username, char[] password) {
    this.username = username;
    this.password = password.clone();
  }

  public String username() {
    return username;
  }

  /** A copy: the caller may wipe it after use. */
  public char[] password() {
    return password.clone();
  }

  @Override
  public String toString() {
    return "Credentials[username=" + username + ", password=<redacted>]";
  }
}
