package io.pgwarden.settings;

import java.util.Locale;

/** Where pgwarden takes its input from; {@link #toString()} is the name logged at start. */
public enum RunMode {
  /** {@code pgwarden standalone}: the spec and Secrets from files. */
  STANDALONE,
  /** {@code pgwarden instance run|init}: the Cluster and Secrets from the API. */
  KUBERNETES;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
