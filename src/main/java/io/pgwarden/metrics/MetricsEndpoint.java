package io.pgwarden.metrics;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.pgwarden.http.Request;
import io.pgwarden.http.Response;
import io.pgwarden.http.Route;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /metrics}: scrapes the registry (every collector registered in it, the SQL ones
 * included) and renders it in the format {@link MetricsNegotiation} chose, with Micrometer's own
 * {@link PrometheusMeterRegistry#scrape(OutputStream, String)}: prometheus-metrics' {@code
 * ExpositionFormats} writers, picked by the format's content type.
 *
 * <p>A scrape runs SQL, so it never runs on the event loop: it runs on one thread of its own, one
 * scrape at a time; concurrent scrapes queue behind it (Prometheus scrapes every 30 s or so, and
 * collectors are not written for concurrent calls). The {@link io.pgwarden.http.Router} writes the
 * answer on the channel's event loop and answers 503 when the scrape takes longer than its timeout,
 * or when the endpoint is closed.
 */
public final class MetricsEndpoint implements Route.Handler, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MetricsEndpoint.class);

  private final PrometheusMeterRegistry registry;
  private final Runnable beforeScrape;

  /** A typical scrape's size (some 450 series): the body buffer seldom grows. */
  private static final int BODY_SIZE = 64 * 1024;

  private final ExecutorService scrapes =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "pgwarden-metrics");
            t.setDaemon(true);
            return t;
          });

  /**
   * Serves {@code registry}: Micrometer's meters and every collector registered into {@link
   * PrometheusMeterRegistry#getPrometheusRegistry()}.
   */
  public MetricsEndpoint(PrometheusMeterRegistry registry) {
    this(registry, () -> {});
  }

  /**
   * Serves {@code registry}, calling {@code beforeScrape} on the scrape thread before each scrape:
   * a collector that works in threads of its own (the query engine's {@code prefetch}) starts its
   * work there, and gets it done while the other collectors run.
   */
  @SuppressFBWarnings(
      value = "EI_EXPOSE_REP2",
      justification = "the registry is shared by design: meters and collectors are added to it")
  public MetricsEndpoint(PrometheusMeterRegistry registry, Runnable beforeScrape) {
    this.registry = registry;
    this.beforeScrape = beforeScrape;
  }

  @Override
  public CompletableFuture<Response> handle(Request request) {
    ExpositionFormat format = MetricsNegotiation.formatOf(request.query());
    return CompletableFuture.supplyAsync(() -> scrape(format), scrapes);
  }

  /** One scrape in {@code format}, on the calling thread. */
  Response scrape(ExpositionFormat format) {
    ByteArrayOutputStream body = new ByteArrayOutputStream(BODY_SIZE);
    try {
      beforeScrape.run();
      registry.scrape(body, format.contentType());
    } catch (IOException | RuntimeException e) {
      // IOException: a ByteArrayOutputStream does not throw it, the writers' signature does.
      log.warn("metrics scrape failed: {}", e.toString());
      return Response.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "scrape failed");
    }
    return Response.encoded(HttpResponseStatus.OK, format.contentType(), body.toByteArray());
  }

  /** Stops the scrape thread; a scrape under way finishes, later ones are answered 503. */
  @Override
  public void close() {
    scrapes.shutdown();
    try {
      if (!scrapes.awaitTermination(5, TimeUnit.SECONDS)) {
        scrapes.shutdownNow();
      }
    } catch (InterruptedException e) {
      scrapes.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
