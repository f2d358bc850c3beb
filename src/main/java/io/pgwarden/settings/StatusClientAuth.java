package io.pgwarden.settings;

import java.util.Locale;

/**
 * {@code --status-client-auth}: whether port 8000 asks for a client certificate. {@link
 * #toString()} is the flag's value.
 */
public enum StatusClientAuth {
  /** Port 8000 as CloudNativePG serves it: the operator's routes check its fingerprint only. */
  NONE,
  /** Every route but the kubelet probes needs a client certificate signed by the client CA. */
  REQUIRE;

  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }
}
