package io.pgwarden.http;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The pipeline of every pgwarden HTTP server, in order: TLS (when on) → HTTP codec → aggregator →
 * read timeout → router. {@link HttpServer} has it {@link #configure} each accepted channel, in its
 * own channel initializer (which also tracks the connection): this class is the pipeline's recipe,
 * not a handler.
 *
 * <ul>
 *   <li>TLS: a handler from the {@link SslContext} current when the connection arrives, so a
 *       rotated certificate applies to new connections and open ones keep theirs.
 *   <li>Codec: request line at most {@value #MAX_INITIAL_LINE} bytes (414 beyond), headers at most
 *       {@value #MAX_HEADER_SIZE} (431 beyond).
 *   <li>Aggregator: bodies at most {@value #MAX_CONTENT} bytes; beyond, Netty answers 413 itself
 *       and closes.
 *   <li>Read timeout: an {@link IdleStateHandler} after the aggregator sees complete requests only,
 *       so a client that sends half a request, or trickles it, is cut after the timeout; the {@link
 *       Router} closes only when no answer is pending.
 * </ul>
 */
public final class HttpInitializer {
  static final int MAX_INITIAL_LINE = 4096;
  static final int MAX_HEADER_SIZE = 8192;
  static final int MAX_CONTENT = 64 * 1024;

  /** The default read timeout. */
  public static final Duration READ_TIMEOUT = Duration.ofSeconds(10);

  private final Supplier<SslContext> tls;
  private final Router router;
  private final long readTimeoutMillis;
  private final int maxContent;
  private final boolean gzip;
  private final ChannelHandler beforeRouter;

  /**
   * A pipeline for {@code router}.
   *
   * @param tls the server context for each new connection; null for plain HTTP
   */
  public HttpInitializer(Supplier<SslContext> tls, Router router, Duration readTimeout) {
    this(tls, router, readTimeout, MAX_CONTENT, false, null);
  }

  /**
   * A pipeline for {@code router} with the variations another server needs (the metrics port).
   *
   * @param maxContent the largest request body; more is answered 413
   * @param gzip compress responses for clients that accept gzip
   * @param beforeRouter a {@link ChannelHandler.Sharable} handler placed just before the router, or
   *     null
   */
  public HttpInitializer(
      Supplier<SslContext> tls,
      Router router,
      Duration readTimeout,
      int maxContent,
      boolean gzip,
      ChannelHandler beforeRouter) {
    this.tls = tls;
    this.router = router;
    this.readTimeoutMillis = readTimeout.toMillis();
    this.maxContent = maxContent;
    this.gzip = gzip;
    this.beforeRouter = beforeRouter;
  }

  /** Adds the handlers to {@code ch}'s pipeline (an EmbeddedChannel's too, in tests). */
  void configure(Channel ch) {
    ChannelPipeline pipeline = ch.pipeline();
    if (tls != null) {
      pipeline.addLast("tls", tls.get().newHandler(ch.alloc()));
    }
    pipeline.addLast(
        "codec",
        new HttpServerCodec(
            new HttpDecoderConfig()
                .setMaxInitialLineLength(MAX_INITIAL_LINE)
                .setMaxHeaderSize(MAX_HEADER_SIZE)));
    if (gzip) {
      pipeline.addLast("gzip", new HttpContentCompressor(StandardCompressionOptions.gzip()));
    }
    pipeline
        .addLast("aggregator", new HttpObjectAggregator(maxContent))
        .addLast("timeout", new IdleStateHandler(readTimeoutMillis, 0, 0, TimeUnit.MILLISECONDS));
    if (beforeRouter != null) {
      pipeline.addLast("before-router", beforeRouter);
    }
    pipeline.addLast("router", router);
  }
}
