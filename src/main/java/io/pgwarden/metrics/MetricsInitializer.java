package io.pgwarden.metrics;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.compression.StandardCompressionOptions;
import io.netty.handler.codec.http.HttpContentCompressor;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.pgwarden.http.Router;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The pipeline of port 9187, in order: TLS (when on) → HTTP codec → gzip → aggregator → read
 * timeout → format negotiation → router. It is port 8000's ({@link
 * io.pgwarden.http.HttpInitializer}) with two handlers more: Netty's {@link HttpContentCompressor}
 * (gzip only, when the scraper's {@code Accept-Encoding} allows it; HEAD and HTTP/1.0 answers pass
 * through as they are) and {@link MetricsNegotiation}, since routes see neither header.
 */
@ChannelHandler.Sharable
final class MetricsInitializer extends ChannelInitializer<SocketChannel> {
  static final int MAX_INITIAL_LINE = 4096;
  static final int MAX_HEADER_SIZE = 8192;

  /** A scrape has no body: anything beyond a small one is refused (413). */
  static final int MAX_CONTENT = 8 * 1024;

  private final Supplier<SslContext> tls;
  private final Router router;
  private final long readTimeoutMillis;

  /**
   * A pipeline for {@code router}.
   *
   * @param tls the server context for each new connection; null for plain HTTP
   */
  MetricsInitializer(Supplier<SslContext> tls, Router router, Duration readTimeout) {
    this.tls = tls;
    this.router = router;
    this.readTimeoutMillis = readTimeout.toMillis();
  }

  @Override
  protected void initChannel(SocketChannel ch) {
    configure(ch.pipeline(), ch);
  }

  /** Adds the handlers to {@code pipeline} (EmbeddedChannel tests call it without a socket). */
  void configure(ChannelPipeline pipeline, io.netty.channel.Channel ch) {
    if (tls != null) {
      pipeline.addLast("tls", tls.get().newHandler(ch.alloc()));
    }
    pipeline
        .addLast(
            "codec",
            new HttpServerCodec(
                new HttpDecoderConfig()
                    .setMaxInitialLineLength(MAX_INITIAL_LINE)
                    .setMaxHeaderSize(MAX_HEADER_SIZE)))
        .addLast("gzip", new HttpContentCompressor(StandardCompressionOptions.gzip()))
        .addLast("aggregator", new HttpObjectAggregator(MAX_CONTENT))
        .addLast("timeout", new IdleStateHandler(readTimeoutMillis, 0, 0, TimeUnit.MILLISECONDS))
        .addLast("negotiation", MetricsNegotiation.INSTANCE)
        .addLast("router", router);
  }
}
