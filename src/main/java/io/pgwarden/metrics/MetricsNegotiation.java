package io.pgwarden.metrics;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;

/**
 * Chooses the exposition format of a request from its {@code Accept} header and hands the choice to
 * the {@link io.pgwarden.http.Router} in the request's query, which routes see (headers they do
 * not): the query becomes {@value #OPENMETRICS_QUERY} or empty, whatever the client sent, so the
 * format is only ever what {@code Accept} asked for.
 */
@ChannelHandler.Sharable
final class MetricsNegotiation extends ChannelInboundHandlerAdapter {
  static final String OPENMETRICS_QUERY = "format=openmetrics";
  static final MetricsNegotiation INSTANCE = new MetricsNegotiation();

  private MetricsNegotiation() {}

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof FullHttpRequest request && request.decoderResult().isSuccess()) {
      ExpositionFormat format =
          ExpositionFormat.negotiate(request.headers().get(HttpHeaderNames.ACCEPT));
      request.setUri(withQuery(request.uri(), format));
    }
    ctx.fireChannelRead(msg);
  }

  /** {@code uri} without its query and fragment, plus the query naming {@code format}. */
  static String withQuery(String uri, ExpositionFormat format) {
    int end = uri.length();
    int q = uri.indexOf('?');
    int hash = uri.indexOf('#');
    if (q >= 0) {
      end = q;
    }
    if (hash >= 0 && hash < end) {
      end = hash;
    }
    String path = uri.substring(0, end);
    return format == ExpositionFormat.OPENMETRICS ? path + "?" + OPENMETRICS_QUERY : path;
  }

  /** The format {@link #withQuery} put in a query. */
  static ExpositionFormat formatOf(String query) {
    return OPENMETRICS_QUERY.equals(query)
        ? ExpositionFormat.OPENMETRICS
        : ExpositionFormat.PROMETHEUS_TEXT;
  }
}
