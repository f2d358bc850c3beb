package io.pgwarden.logs;

import java.util.Objects;

/**
 * What every log line says about where it comes from.
 *
 * @param podName the value of {@code logging_pod} ({@code POD_NAME} in Kubernetes)
 */
public record LogContext(String podName) {
  public LogContext {
    Objects.requireNonNull(podName, "podName");
  }
}
