package io.pgwarden.http;

import io.netty.handler.codec.http.HttpResponseStatus;
import io.pgwarden.logs.JsonText;
import io.pgwarden.sql.PgPing;
import io.pgwarden.status.PostgresqlStatus;
import io.pgwarden.status.StatusJson;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The status API of port 8000 (CONTRACT.md, "Port 8000"). Its route table:
 *
 * <pre>
 * path             method     caller                           access
 * /healthz         GET, HEAD  kubelet liveness                 PROBE    200 "OK" unless the supervisor loop is wedged
 * /readyz          GET, HEAD  kubelet readiness                PROBE    200 when postgres accepts connections
 * /startupz        GET, HEAD  kubelet startup                  PROBE    200 once postgres answers, even rejecting
 * /failsafe        GET, HEAD  peer instances                   OPEN     200 "OK"
 * /pg/status       GET, HEAD  operator, every reconcile        OPEN     200 PostgresqlStatus JSON, 500 error JSON
 * /pg/controldata  GET, HEAD  operator                         OPERATOR 200 {"data": pg_controldata output}
 * </pre>
 *
 * PROBE routes are always open; OPEN ones need a client certificate from the client CA only under
 * {@link #router(X509Certificate)}; OPERATOR ones need the operator's registered certificate
 * fingerprint (and the client CA when required).
 *
 * <p>Probes and pg_controldata block, so they run on the API's own small pool (two threads, 32
 * waiting at most: beyond, 503), never on the event loop; the status runs on its provider's thread.
 */
public final class StatusApi implements AutoCloseable {
  private static final int THREADS = 2;
  private static final int QUEUE = 32;

  /** Runs {@code pg_controldata} on PGDATA and returns its output; blocks. */
  @FunctionalInterface
  public interface ControlData {
    /** The output of {@code pg_controldata}. */
    String read() throws IOException, InterruptedException;
  }

  private final LivenessCheck liveness;
  private final Supplier<PgPing.Result> ping;
  private final Supplier<CompletableFuture<PostgresqlStatus>> status;
  private final ControlData controlData;
  private final Supplier<Optional<String>> operatorFingerprint;
  private final Executor blocking;
  private final ThreadPoolExecutor ownPool;

  /**
   * The API over its sources.
   *
   * @param ping e.g. {@code new PgPing(socket, Duration.ofSeconds(2))::ping}; blocks
   * @param status e.g. {@code statusProvider::current}
   * @param operatorFingerprint the SPKI SHA-256 hex of the operator's client certificate, empty
   *     while none is registered
   */
  public StatusApi(
      LivenessCheck liveness,
      Supplier<PgPing.Result> ping,
      Supplier<CompletableFuture<PostgresqlStatus>> status,
      ControlData controlData,
      Supplier<Optional<String>> operatorFingerprint) {
    this(liveness, ping, status, controlData, operatorFingerprint, newPool());
  }

  /** With {@code blocking} running the blocking calls (tests pass a same-thread executor). */
  StatusApi(
      LivenessCheck liveness,
      Supplier<PgPing.Result> ping,
      Supplier<CompletableFuture<PostgresqlStatus>> status,
      ControlData controlData,
      Supplier<Optional<String>> operatorFingerprint,
      Executor blocking) {
    this.liveness = liveness;
    this.ping = ping;
    this.status = status;
    this.controlData = controlData;
    this.operatorFingerprint = operatorFingerprint;
    this.blocking = blocking;
    this.ownPool = blocking instanceof ThreadPoolExecutor pool ? pool : null;
  }

  private static ThreadPoolExecutor newPool() {
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            r -> {
              Thread t = new Thread(r, "pgwarden-probes");
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  /** The router of port 8000, as CloudNativePG serves it. */
  public Router router() {
    return routes().build();
  }

  /**
   * Beyond CloudNativePG: every route but the kubelet probes needs a client certificate issued by
   * {@code clientCa} (403 otherwise).
   */
  public Router router(X509Certificate clientCa) {
    return routes().requireClientCertificate(clientCa).build();
  }

  Router.Builder routes() {
    return Router.builder()
        .operatorFingerprint(operatorFingerprint)
        .get(StatusRoutes.HEALTHZ, Route.Access.PROBE, "kubelet liveness", r -> healthz())
        .get(StatusRoutes.READYZ, Route.Access.PROBE, "kubelet readiness", r -> readyz())
        .get(StatusRoutes.STARTUPZ, Route.Access.PROBE, "kubelet startup", r -> startupz())
        .get(StatusRoutes.FAILSAFE, Route.Access.OPEN, "peer instances", r -> ok())
        .get(StatusRoutes.PG_STATUS, Route.Access.OPEN, "operator", r -> pgStatus())
        .get(StatusRoutes.PG_CONTROLDATA, Route.Access.OPERATOR, "operator", r -> controlData());
  }

  private static CompletableFuture<Response> ok() {
    return CompletableFuture.completedFuture(Response.text(HttpResponseStatus.OK, "OK"));
  }

  private CompletableFuture<Response> healthz() {
    return liveness
        .problem()
        .map(p -> CompletableFuture.completedFuture(text500(p)))
        .orElseGet(StatusApi::ok);
  }

  private CompletableFuture<Response> readyz() {
    return CompletableFuture.supplyAsync(ping, blocking)
        .thenApply(r -> r.state() == PgPing.State.ACCEPTING ? okText() : text500(r.reason()));
  }

  private CompletableFuture<Response> startupz() {
    return CompletableFuture.supplyAsync(ping, blocking)
        .thenApply(r -> r.state() != PgPing.State.NO_RESPONSE ? okText() : text500(r.reason()));
  }

  private CompletableFuture<Response> pgStatus() {
    return status
        .get()
        .thenApply(s -> Response.json(HttpResponseStatus.OK, StatusJson.write(s)))
        .exceptionally(e -> error("cannot read the status from postgres", e));
  }

  private CompletableFuture<Response> controlData() {
    return CompletableFuture.supplyAsync(
            () -> {
              try {
                return controlData.read();
              } catch (IOException e) {
                throw new CompletionException(e);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CompletionException(e);
              }
            },
            blocking)
        .thenApply(
            out -> Response.json(HttpResponseStatus.OK, "{\"data\":" + JsonText.quote(out) + "}"))
        .exceptionally(e -> error("cannot run pg_controldata", e));
  }

  private static Response okText() {
    return Response.text(HttpResponseStatus.OK, "OK");
  }

  private static Response text500(String reason) {
    return Response.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, reason);
  }

  private static Response error(String what, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof java.util.concurrent.RejectedExecutionException) {
      return Response.json(
          HttpResponseStatus.SERVICE_UNAVAILABLE, "{\"error\":\"busy, try again\"}");
    }
    return Response.json(
        HttpResponseStatus.INTERNAL_SERVER_ERROR,
        "{\"error\":" + JsonText.quote(what + ": " + cause.getMessage()) + "}");
  }

  /** Stops the probe pool. */
  @Override
  public void close() {
    if (ownPool != null) {
      ownPool.shutdownNow();
    }
  }
}
