package io.pgwarden.http;

import io.netty.handler.codec.http.HttpMethod;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * One path of a route table: its handlers by method, and who may call it.
 *
 * @param caller who calls it, for the route table's documentation and logs
 */
public record Route(String path, Access access, String caller, Map<HttpMethod, Handler> methods) {
  public Route {
    methods = Map.copyOf(methods);
  }

  /** Who may call a route. */
  public enum Access {
    /**
     * Kubelet probes: always open, even when client certificates are required, since a kubelet
     * presents none.
     */
    PROBE,
    /** Open, unless the server requires client certificates from a CA. */
    OPEN,
    /**
     * The operator only: its client certificate's SPKI SHA-256 must equal the registered
     * fingerprint (401 without a certificate, 503 when none is registered or it does not match).
     */
    OPERATOR
  }

  /**
   * Answers a request. Runs on the event loop: anything that blocks goes to an executor and the
   * future completes later; the router writes the response on the channel's event loop.
   */
  @FunctionalInterface
  public interface Handler {
    /** The response, now or later. */
    CompletableFuture<Response> handle(Request request);
  }
}
