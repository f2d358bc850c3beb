package io.pgwarden.http;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;

/**
 * Puts a {@link Response} on the wire: {@code Content-Type}, {@code Content-Length}, no caching, no
 * sniffing, the route's own headers, and {@code Connection} as the request asked.
 */
final class ResponseWriter {
  private ResponseWriter() {}

  /**
   * Writes {@code r} to {@code ctx}'s channel.
   *
   * @param head answer to a HEAD request: the headers of the GET answer, no body
   * @param keepAlive whether the connection stays open after this answer
   */
  static void write(
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
}
