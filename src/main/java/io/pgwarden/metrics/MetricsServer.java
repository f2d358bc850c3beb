package io.pgwarden.metrics;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.ssl.SslContext;
import io.pgwarden.http.HttpInitializer;
import io.pgwarden.http.HttpServer;
import io.pgwarden.http.Route;
import io.pgwarden.http.Router;
import io.pgwarden.http.StatusRoutes;
import java.io.IOException;
import java.net.InetAddress;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Port 9187: one route, {@code GET /metrics} (and HEAD), open to any scraper; every other path 404.
 * Plain HTTP by default; TLS 1.3 with {@code --metrics-port-tls}, serving the certificate of port
 * 8000 (the same {@code Supplier}, so a rotation applies to new connections of both ports) without
 * asking Prometheus for a client certificate it would not have.
 *
 * <p>Runs on the event-loop group shared with port 8000 ({@link
 * io.pgwarden.http.HttpServer#newEventLoopGroup()}), which the caller owns and shuts down.
 */
public final class MetricsServer {
  /** A scrape has no body: anything beyond a small one is refused (413). */
  static final int MAX_CONTENT = 8 * 1024;

  private final Router router;
  private final HttpServer server;

  /**
   * A server for {@code endpoint}, not yet listening: port 8000's pipeline with gzip and the Accept
   * negotiation before the router.
   *
   * @param tls the server context for each new connection; null for plain HTTP
   */
  public MetricsServer(EventLoopGroup group, Supplier<SslContext> tls, MetricsEndpoint endpoint) {
    this.router = routes(endpoint);
    this.server =
        new HttpServer(
            "metrics",
            group,
            new HttpInitializer(
                tls,
                router,
                HttpInitializer.READ_TIMEOUT,
                MAX_CONTENT,
                true,
                MetricsNegotiation.INSTANCE));
  }

  /** The route table of port 9187. */
  static Router routes(Route.Handler metrics) {
    return Router.builder()
        .get(StatusRoutes.METRICS, Route.Access.OPEN, "Prometheus", metrics)
        .build();
  }

  /** The routes served, by path. */
  public Map<String, Route> routes() {
    return router.routes();
  }

  /** Listens on every address ({@code 0.0.0.0}) at {@code port}; 0 picks a free port. */
  public void start(int port) throws IOException, InterruptedException {
    server.start(port);
  }

  /** Listens on {@code address} at {@code port}. */
  public void start(InetAddress address, int port) throws IOException, InterruptedException {
    server.start(address, port);
  }

  /** The port listened on (the one chosen when started with 0); -1 when not started. */
  public int boundPort() {
    return server.boundPort();
  }

  /** Stops listening and closes open connections; the event-loop group stays up. */
  public void stop() throws InterruptedException {
    server.stop();
  }
}
