package io.pgwarden.http;

/** The ports and paths pgwarden serves, as CloudNativePG's operator and the kubelet call them. */
public final class StatusRoutes {
  /** The status API (HTTPS). */
  public static final int STATUS_PORT = 8000;

  /** Prometheus metrics. */
  public static final int METRICS_PORT = 9187;

  /** kubelet liveness. */
  public static final String HEALTHZ = "/healthz";

  /** kubelet readiness. */
  public static final String READYZ = "/readyz";

  /** kubelet startup. */
  public static final String STARTUPZ = "/startupz";

  /** Peer instances checking each other. */
  public static final String FAILSAFE = "/failsafe";

  /** The operator's status poll. */
  public static final String PG_STATUS = "/pg/status";

  /** The operator reading {@code pg_controldata}, authenticated. */
  public static final String PG_CONTROLDATA = "/pg/controldata";

  /** Prometheus scrape, on {@link #METRICS_PORT}. */
  public static final String METRICS = "/metrics";

  private StatusRoutes() {}
}
