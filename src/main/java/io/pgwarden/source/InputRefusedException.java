package io.pgwarden.source;

import java.io.IOException;

/**
 * Outside input refused before it is used (too large, a control character in a credential, a Secret
 * file that leads out of its Secret's directory): the message names the Secret, ConfigMap or file
 * and why, never the value. An {@link IOException}, so every reader of a {@link Source} already
 * keeps the last good configuration when it is thrown.
 */
public final class InputRefusedException extends IOException {
  private static final long serialVersionUID = 1L;

  public InputRefusedException(String message) {
    super(message);
  }
}
