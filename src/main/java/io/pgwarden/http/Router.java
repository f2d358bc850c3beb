package io.pgwarden.http;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpContentException;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of the pipeline: matches a complete request against one route table, checks who
 * may call the route ({@link RouteAccess}), and writes the route's answer ({@link ResponseWriter})
 * when its future completes, on the channel's event loop, in request order ({@link
 * PipelinedResponses}), or a 503 after {@link #RESPONSE_TIMEOUT}.
 *
 * <p>Matching is exact on the raw path: no decoding, no normalisation, so {@code /pg/../healthz}
 * and {@code /heal%74hz} are 404. Unknown path 404; known path, other method 405 with {@code
 * Allow}; HEAD is answered wherever GET is; a request the decoder refused 400 (414, 431 for a line
 * or headers too long) and the connection closed; HTTP/1.1 without exactly one {@code Host} 400.
 *
 * <p>Stateless apart from a per-channel attribute, so one instance serves every channel. The
 * request is released when {@link #channelRead0} returns: routes get a {@link Request} copy.
 */
@ChannelHandler.Sharable
public final class Router extends SimpleChannelInboundHandler<FullHttpRequest> {
  private static final Logger log = LoggerFactory.getLogger(Router.class);

  /** Responses waiting on one connection before it is cut: pipelining is bounded. */
  static final int MAX_PIPELINED = 16;

  /** A route whose answer takes longer gets 503; the operator gives up after 30 s anyway. */
  static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(45);

  private static final Response TIMED_OUT =
      Response.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "timed out");

  /** The client's certificate chain of a channel, leaf first; empty when none. */
  @FunctionalInterface
  public interface PeerCertificates {
    /** The chain the client presented on this channel. */
    List<X509Certificate> of(ChannelHandlerContext ctx);
  }

  private final Map<String, Route> routes;
  private final RouteAccess access;
  private final PeerCertificates peers;
  private final Duration responseTimeout;

  private Router(Builder b) {
    this.routes = Map.copyOf(b.routes);
    this.access = new RouteAccess(b.operatorFingerprint, b.clientCa);
    this.peers = b.peers;
    this.responseTimeout = b.responseTimeout;
  }

  /** A new, empty route table. */
  public static Builder builder() {
    return new Builder();
  }

  /** The routes, by path. */
  public Map<String, Route> routes() {
    return routes;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
    PipelinedResponses queue = PipelinedResponses.of(ctx);
    if (queue.pending() >= MAX_PIPELINED) {
      log.debug("{}: more than {} requests pipelined; closing", ctx.channel(), MAX_PIPELINED);
      closeQuietly(ctx);
      return;
    }
    boolean decoded = request.decoderResult().isSuccess();
    boolean keepAlive = decoded && HttpUtil.isKeepAlive(request);
    boolean head = HttpMethod.HEAD.equals(request.method());
    HttpVersion version =
        HttpVersion.HTTP_1_0.equals(request.protocolVersion())
            ? HttpVersion.HTTP_1_0
            : HttpVersion.HTTP_1_1;
    CompletableFuture<Response> response;
    try {
      response = dispatch(ctx, request);
    } catch (RuntimeException e) {
      response = CompletableFuture.failedFuture(e);
    }
    String path = request.uri();
    queue.enqueue(
        ctx,
        PipelinedResponses.bounded(ctx, response, responseTimeout, TIMED_OUT)
            .handle((r, e) -> e == null ? r : failed(path, e)),
        r -> ResponseWriter.write(ctx, r, version, head, keepAlive));
  }

  private CompletableFuture<Response> dispatch(ChannelHandlerContext ctx, FullHttpRequest request) {
    DecoderResult decoded = request.decoderResult();
    if (!decoded.isSuccess()) {
      return done(refused(decoded.cause()));
    }
    if (!HttpVersion.HTTP_1_1.equals(request.protocolVersion())
        && !HttpVersion.HTTP_1_0.equals(request.protocolVersion())) {
      return done(
          Response.text(HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "HTTP/1.1 or 1.0 only"));
    }
    HttpHeaders headers = request.headers();
    if (HttpVersion.HTTP_1_1.equals(request.protocolVersion())
        && headers.getAll(HttpHeaderNames.HOST).size() != 1) {
      return done(
          Response.text(HttpResponseStatus.BAD_REQUEST, "HTTP/1.1 needs exactly one Host header"));
    }
    RequestTarget target = RequestTarget.parse(request.uri());
    if (target == null) {
      return done(Response.text(HttpResponseStatus.BAD_REQUEST, "malformed request target"));
    }
    Route route = routes.get(target.path());
    if (route == null) {
      return done(Response.text(HttpResponseStatus.NOT_FOUND, "not found"));
    }
    Route.Handler handler = route.methods().get(request.method());
    if (handler == null && HttpMethod.HEAD.equals(request.method())) {
      handler = route.methods().get(HttpMethod.GET);
    }
    if (handler == null) {
      return done(
          new Response(
              HttpResponseStatus.METHOD_NOT_ALLOWED,
              Response.TEXT,
              "method not allowed",
              Map.of(HttpHeaderNames.ALLOW.toString(), allow(route))));
    }
    List<X509Certificate> chain = peers.of(ctx);
    Optional<Response> denied = access.check(route, chain);
    if (denied.isPresent()) {
      return done(denied.get());
    }
    return handler.handle(new Request(request.method(), target.path(), target.query(), chain));
  }

  private static String allow(Route route) {
    Set<String> methods = new TreeSet<>();
    for (HttpMethod m : route.methods().keySet()) {
      methods.add(m.name());
    }
    if (methods.contains("GET")) {
      methods.add("HEAD");
    }
    return String.join(", ", methods);
  }

  private static Response refused(Throwable cause) {
    HttpResponseStatus status = HttpResponseStatus.BAD_REQUEST;
    if (cause instanceof TooLongHttpLineException) {
      status = HttpResponseStatus.REQUEST_URI_TOO_LONG;
    } else if (cause instanceof TooLongHttpHeaderException) {
      status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
    } else if (cause instanceof TooLongHttpContentException) {
      status = HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
    } else if (cause instanceof TooLongFrameException) {
      status = HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
    }
    return Response.text(status, "malformed request");
  }

  private static Response failed(String uri, Throwable e) {
    Throwable cause =
        e instanceof java.util.concurrent.CompletionException && e.getCause() != null
            ? e.getCause()
            : e;
    if (cause instanceof RejectedExecutionException || cause instanceof TimeoutException) {
      return Response.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "busy, try again");
    }
    log.warn("request {} failed: {}", uri, cause.toString());
    return Response.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "internal error");
  }

  private static CompletableFuture<Response> done(Response r) {
    return CompletableFuture.completedFuture(r);
  }

  /**
   * Cuts an idle connection: the {@link io.netty.handler.timeout.IdleStateHandler} before this
   * handler sees only complete requests, so "reader idle" means no complete request for the
   * timeout, whether the client is silent or trickles bytes. A connection waiting for an answer is
   * not idle.
   */
  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
    if (event instanceof IdleStateEvent) {
      if (PipelinedResponses.pending(ctx) == 0) {
        log.debug("{}: no complete request within the read timeout; closing", ctx.channel());
        closeQuietly(ctx);
      }
      return;
    }
    super.userEventTriggered(ctx, event);
  }

  private static void closeQuietly(ChannelHandlerContext ctx) {
    ctx.close()
        .addListener(
            f -> {
              if (!f.isSuccess()) {
                log.debug("{}: close failed: {}", ctx.channel(), f.cause().toString());
              }
            });
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    // TLS refusals (a TLS 1.2 client), resets, timeouts: nothing to answer, close.
    log.debug("{}: {}; closing", ctx.channel(), cause.toString());
    closeQuietly(ctx);
  }

  /** The client's chain from the channel's {@link SslHandler}; empty without TLS or a chain. */
  static List<X509Certificate> fromSslHandler(ChannelHandlerContext ctx) {
    SslHandler ssl = ctx.pipeline().get(SslHandler.class);
    if (ssl == null) {
      return List.of();
    }
    try {
      List<X509Certificate> chain = new ArrayList<>();
      for (Certificate c : ssl.engine().getSession().getPeerCertificates()) {
        if (c instanceof X509Certificate x509) {
          chain.add(x509);
        }
      }
      return chain;
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }

  /** Builds a {@link Router}: the routes, the operator's fingerprint, an optional client CA. */
  public static final class Builder {
    private final Map<String, Route> routes = new LinkedHashMap<>();
    private Supplier<Optional<String>> operatorFingerprint = Optional::empty;
    private Optional<X509Certificate> clientCa = Optional.empty();
    private PeerCertificates peers = Router::fromSslHandler;
    private Duration responseTimeout = RESPONSE_TIMEOUT;

    private Builder() {}

    /** Adds a route; a path appears once. */
    public Builder route(Route route) {
      if (routes.putIfAbsent(route.path(), route) != null) {
        throw new IllegalArgumentException("route " + route.path() + " defined twice");
      }
      return this;
    }

    /** Adds a GET (and so HEAD) route. */
    public Builder get(String path, Route.Access access, String caller, Route.Handler handler) {
      return route(new Route(path, access, caller, Map.of(HttpMethod.GET, handler)));
    }

    /** The fingerprint {@link Route.Access#OPERATOR} routes compare with; empty until known. */
    public Builder operatorFingerprint(Supplier<Optional<String>> fingerprint) {
      this.operatorFingerprint = fingerprint;
      return this;
    }

    /**
     * Beyond CloudNativePG: every route but the {@link Route.Access#PROBE} ones needs a client
     * certificate issued by {@code ca} (403 otherwise).
     */
    public Builder requireClientCertificate(X509Certificate ca) {
      this.clientCa = Optional.of(ca);
      return this;
    }

    /** Where client certificates come from; tests without TLS pass their own. */
    public Builder peerCertificates(PeerCertificates peers) {
      this.peers = peers;
      return this;
    }

    /** How long a route may take before the answer is 503 ({@link #RESPONSE_TIMEOUT}). */
    Builder responseTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("response timeout must be positive, not " + timeout);
      }
      this.responseTimeout = timeout;
      return this;
    }

    /** The router. */
    public Router build() {
      return new Router(this);
    }
  }
}
