package io.pgwarden.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
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
import io.netty.util.AttributeKey;
import io.netty.util.concurrent.ScheduledFuture;
import io.pgwarden.tls.Fingerprints;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.cert.CertPathValidator;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of the pipeline: matches a complete request against one route table, checks who
 * may call the route, and writes the route's answer when its future completes, on the channel's
 * event loop, in request order (HTTP/1.1 pipelining).
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
  private static final AttributeKey<InOrder> IN_ORDER = AttributeKey.valueOf("pgwarden.inOrder");

  /** Responses waiting on one connection before it is cut: pipelining is bounded. */
  static final int MAX_PIPELINED = 16;

  /** A route whose answer takes longer gets 503; the operator gives up after 30 s anyway. */
  static final Duration RESPONSE_TIMEOUT = Duration.ofSeconds(45);

  /** The client's certificate chain of a channel, leaf first; empty when none. */
  @FunctionalInterface
  public interface PeerCertificates {
    /** The chain the client presented on this channel. */
    List<X509Certificate> of(ChannelHandlerContext ctx);
  }

  private final Map<String, Route> routes;
  private final Supplier<Optional<String>> operatorFingerprint;
  private final Optional<X509Certificate> clientCa;
  private final PeerCertificates peers;
  private final Duration responseTimeout;

  private Router(Builder b) {
    this.routes = Map.copyOf(b.routes);
    this.operatorFingerprint = b.operatorFingerprint;
    this.clientCa = b.clientCa;
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
    InOrder order = ctx.channel().attr(IN_ORDER).get();
    if (order == null) {
      order = new InOrder();
      ctx.channel().attr(IN_ORDER).set(order);
    }
    if (order.pending >= MAX_PIPELINED) {
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
    order.enqueue(
        ctx,
        bounded(ctx, response, responseTimeout).handle((r, e) -> e == null ? r : failed(path, e)),
        r -> write(ctx, r, version, head, keepAlive));
  }

  /**
   * {@code response}, completed with a 503 when it takes longer than {@code timeout}: a timer on
   * the channel's event loop, cancelled as soon as the answer comes ({@link
   * CompletableFuture#completeOnTimeout}'s timer would hold every answer, body and all, for the
   * whole timeout). An answer already there needs no timer.
   */
  private static CompletableFuture<Response> bounded(
      ChannelHandlerContext ctx, CompletableFuture<Response> response, Duration timeout) {
    if (response.isDone()) {
      return response;
    }
    ScheduledFuture<?> timer =
        ctx.executor()
            .schedule(
                () -> response.complete(timedOut()), timeout.toMillis(), TimeUnit.MILLISECONDS);
    return response.whenComplete((r, e) -> timer.cancel(false));
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
    Target target = target(request.uri());
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
    Optional<Response> denied = checkAccess(route, chain);
    if (denied.isPresent()) {
      return done(denied.get());
    }
    return handler.handle(new Request(request.method(), target.path(), target.query(), chain));
  }

  private Optional<Response> checkAccess(Route route, List<X509Certificate> chain) {
    if (route.access() != Route.Access.PROBE && clientCa.isPresent()) {
      if (chain.isEmpty()) {
        return Optional.of(
            Response.text(HttpResponseStatus.FORBIDDEN, "a client certificate is required"));
      }
      if (!issuedBy(chain, clientCa.get())) {
        return Optional.of(
            Response.text(
                HttpResponseStatus.FORBIDDEN,
                "the client certificate is not issued by the trusted client CA"));
      }
    }
    if (route.access() == Route.Access.OPERATOR) {
      if (chain.isEmpty()) {
        return Optional.of(
            Response.text(HttpResponseStatus.UNAUTHORIZED, "a client certificate is required"));
      }
      Optional<String> expected = operatorFingerprint.get();
      if (expected.isEmpty()) {
        return Optional.of(
            Response.text(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                "no operator certificate fingerprint is registered yet"));
      }
      byte[] want = expected.get().trim().toLowerCase(Locale.ROOT).getBytes(StandardCharsets.UTF_8);
      byte[] got = Fingerprints.spkiSha256Hex(chain.get(0)).getBytes(StandardCharsets.UTF_8);
      if (!MessageDigest.isEqual(want, got)) {
        return Optional.of(
            Response.text(
                HttpResponseStatus.SERVICE_UNAVAILABLE,
                "the client certificate is not the registered operator certificate"));
      }
    }
    return Optional.empty();
  }

  /** PKIX from {@code ca}: signatures, validity, CA constraints of intermediates; no revocation. */
  static boolean issuedBy(List<X509Certificate> chain, X509Certificate ca) {
    List<X509Certificate> path = new ArrayList<>();
    for (X509Certificate c : chain) {
      if (!c.equals(ca)) { // the anchor itself is not part of a certification path
        path.add(c);
      }
    }
    if (path.isEmpty()) {
      return false;
    }
    try {
      PKIXParameters parameters = new PKIXParameters(Set.of(new TrustAnchor(ca, null)));
      parameters.setRevocationEnabled(false);
      CertPathValidator.getInstance("PKIX")
          .validate(CertificateFactory.getInstance("X.509").generateCertPath(path), parameters);
      return true;
    } catch (GeneralSecurityException e) {
      log.debug("client certificate refused: {}", e.getMessage());
      return false;
    }
  }

  /** The path and query (empty when none) of a request target. */
  record Target(String path, String query) {}

  /** The path and query of an origin-form or absolute-form target; null when malformed. */
  static Target target(String uri) {
    String pathAndQuery;
    if (uri.startsWith("/")) {
      pathAndQuery = uri;
    } else if (uri.regionMatches(true, 0, "http://", 0, 7)
        || uri.regionMatches(true, 0, "https://", 0, 8)) {
      try {
        URI parsed = new URI(uri);
        String rawPath = parsed.getRawPath();
        if (rawPath == null || rawPath.isEmpty()) {
          rawPath = "/";
        }
        pathAndQuery =
            parsed.getRawQuery() == null ? rawPath : rawPath + "?" + parsed.getRawQuery();
      } catch (URISyntaxException e) {
        return null;
      }
    } else {
      return null; // authority-form (CONNECT) and asterisk-form (OPTIONS *) are not served
    }
    int hash = pathAndQuery.indexOf('#');
    if (hash >= 0) {
      pathAndQuery = pathAndQuery.substring(0, hash);
    }
    int q = pathAndQuery.indexOf('?');
    return q < 0
        ? new Target(pathAndQuery, "")
        : new Target(pathAndQuery.substring(0, q), pathAndQuery.substring(q + 1));
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

  private static Response timedOut() {
    return Response.text(HttpResponseStatus.SERVICE_UNAVAILABLE, "timed out");
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

  private static void write(
      ChannelHandlerContext ctx, Response r, HttpVersion version, boolean head, boolean keepAlive) {
    byte[] body = r.bytes();
    FullHttpResponse response =
        new DefaultFullHttpResponse(
            version, r.status(), head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(body));
    HttpHeaders h = response.headers();
    h.set(HttpHeaderNames.CONTENT_TYPE, r.contentType())
        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
        .set(HttpHeaderNames.CACHE_CONTROL, "no-store")
        .set("X-Content-Type-Options", "nosniff");
    r.headers().forEach(h::set);
    HttpUtil.setKeepAlive(response, keepAlive);
    ChannelFuture written = ctx.writeAndFlush(response);
    if (!keepAlive) {
      written.addListener(ChannelFutureListener.CLOSE);
    }
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
      InOrder order = ctx.channel().attr(IN_ORDER).get();
      if (order == null || order.pending == 0) {
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

  /** Responses of one channel, written in request order; touched on its event loop only. */
  private static final class InOrder {
    private int pending;
    private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

    /**
     * Each answer is handed to the event loop only after the previous one was: tasks run in order
     * there, so answers are written in request order whatever order they complete in.
     */
    void enqueue(
        ChannelHandlerContext ctx,
        CompletableFuture<Response> response,
        java.util.function.Consumer<Response> writer) {
      pending++;
      tail =
          tail.thenCompose(v -> response)
              .thenAccept(
                  r ->
                      ctx.executor()
                          .execute(
                              () -> {
                                pending--;
                                writer.accept(r);
                              }));
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
