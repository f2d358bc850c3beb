package io.pgwarden.metrics;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.pgwarden.http.HttpInitializer;
import io.pgwarden.http.Route;
import io.pgwarden.http.Router;
import io.pgwarden.http.StatusRoutes;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
  private static final Logger log = LoggerFactory.getLogger(MetricsServer.class);

  private final EventLoopGroup group;
  private final MetricsInitializer initializer;
  private final Router router;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private volatile Channel listener;

  /**
   * A server for {@code endpoint}, not yet listening.
   *
   * @param tls the server context for each new connection; null for plain HTTP
   */
  public MetricsServer(EventLoopGroup group, Supplier<SslContext> tls, MetricsEndpoint endpoint) {
    this.group = group;
    this.router = routes(endpoint);
    this.initializer = new MetricsInitializer(tls, router, HttpInitializer.READ_TIMEOUT);
  }

  /** The route table of port 9187. */
  static Router routes(Route.Handler metrics) {
    return Router.builder()
        .get(StatusRoutes.METRICS, Route.Access.OPEN, "Prometheus", metrics)
        .build();
  }

  /** The routes served, by path. */
  public java.util.Map<String, Route> routes() {
    return router.routes();
  }

  /** Listens on every address ({@code 0.0.0.0}) at {@code port}; 0 picks a free port. */
  public void start(int port) throws IOException, InterruptedException {
    try {
      start(InetAddress.getByName("0.0.0.0"), port);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("0.0.0.0 is a literal", e);
    }
  }

  /** Listens on {@code address} at {@code port}; 0 picks a free port. */
  public void start(InetAddress address, int port) throws IOException, InterruptedException {
    ChannelFuture bound =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 128)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    connections.add(ch); // so that stop() closes open connections too
                    ch.pipeline().addLast(initializer);
                  }
                })
            .bind(new InetSocketAddress(address, port))
            .await();
    if (!bound.isSuccess()) {
      throw new IOException(
          "the metrics server cannot listen on "
              + address.getHostAddress()
              + ":"
              + port
              + ": "
              + bound.cause().getMessage(),
          bound.cause());
    }
    listener = bound.channel();
    log.info("metrics server listening on {}", listener.localAddress());
  }

  /** The port listened on (the one chosen when started with 0); -1 when not started. */
  public int boundPort() {
    Channel l = listener;
    return l == null ? -1 : ((InetSocketAddress) l.localAddress()).getPort();
  }

  /** Stops listening and closes open connections; the event-loop group stays up. */
  public void stop() throws InterruptedException {
    Channel l = listener;
    listener = null;
    if (l != null) {
      l.close().await();
    }
    connections.close().await();
  }
}
