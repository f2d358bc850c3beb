package io.pgwarden.kube;

import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Optional;

/** Turns what the API answered into a line an operator person can act on. */
final class ApiProblems {
  static final int FORBIDDEN = 403;
  static final int NOT_FOUND = 404;
  static final int CONFLICT = 409;

  private ApiProblems() {}

  /** The HTTP status in {@code t} or its causes, if the API answered at all. */
  static Optional<Integer> status(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof KubernetesClientException k && k.getCode() > 0) {
        return Optional.of(k.getCode());
      }
    }
    return Optional.empty();
  }

  static boolean isForbidden(Throwable t) {
    return status(t).filter(code -> code == FORBIDDEN).isPresent();
  }

  /**
   * What went wrong with {@code verbs} on {@code resource} {@code name}: for a 403 the permission
   * the Role lacks, else the status or the connection problem.
   */
  static String describe(Throwable t, String verbs, String resource, String name) {
    Optional<Integer> code = status(t);
    if (code.isEmpty()) {
      return "the API server cannot be reached (" + rootMessage(t) + "); retrying";
    }
    if (code.get() == FORBIDDEN) {
      return "forbidden (HTTP 403): the ServiceAccount may not "
          + verbs
          + " "
          + resource
          + " "
          + name
          + "; its Role needs "
          + resource
          + " verbs ["
          + verbs.replace('/', ',')
          + "] with resourceNames ["
          + name
          + "] (see config/rbac/role.yaml)";
    }
    return "HTTP "
        + code.get()
        + " on "
        + verbs
        + " "
        + resource
        + " "
        + name
        + ": "
        + rootMessage(t);
  }

  /** The innermost message, without the request URL fabric8 prefixes. */
  static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    String m = c.getMessage();
    return m == null ? c.getClass().getSimpleName() : c.getClass().getSimpleName() + ": " + m;
  }
}
