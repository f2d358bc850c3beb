package io.pgwarden.http;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoEventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One listening HTTP(S) server. Servers share one small event-loop group (the status and metrics
 * ports together need one thread: nothing blocking runs on it); the group belongs to the caller,
 * who shuts it down after stopping every server.
 */
public final class HttpServer {
  private static final Logger log = LoggerFactory.getLogger(HttpServer.class);

  private final String name;
  private final EventLoopGroup group;
  private final HttpInitializer initializer;
  private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
  private volatile Channel listener;

  /**
   * A server named {@code name} in logs (e.g. "status"), not yet listening.
   *
   * @param group shared with the other servers, from {@link #newEventLoopGroup()}
   */
  public HttpServer(String name, EventLoopGroup group, HttpInitializer initializer) {
    this.name = name;
    this.group = group;
    this.initializer = initializer;
  }

  /** The event-loop group for pgwarden's servers: one daemon thread, {@code pgwarden-http}. */
  public static EventLoopGroup newEventLoopGroup() {
    return new MultiThreadIoEventLoopGroup(
        1,
        new DefaultThreadFactory("pgwarden-http", true),
        Epoll.isAvailable() ? EpollIoHandler.newFactory() : NioIoHandler.newFactory());
  }

  /** Whether {@code group} runs Linux's epoll transport (else NIO): the channels must match it. */
  private static boolean epoll(EventLoopGroup group) {
    return group instanceof IoEventLoopGroup io && io.isIoType(EpollIoHandler.class);
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
            .channel(epoll(group) ? EpollServerSocketChannel.class : NioServerSocketChannel.class)
            .option(ChannelOption.SO_BACKLOG, 128)
            .childOption(ChannelOption.TCP_NODELAY, true)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    connections.add(ch); // so that stop() closes open connections too
                    initializer.configure(ch);
                  }
                })
            .bind(new InetSocketAddress(address, port))
            .await();
    if (!bound.isSuccess()) {
      throw new IOException(
          "the "
              + name
              + " server cannot listen on "
              + address.getHostAddress()
              + ":"
              + port
              + ": "
              + bound.cause().getMessage(),
          bound.cause());
    }
    listener = bound.channel();
    log.info(
        "{} server listening on {} ({})",
        name,
        listener.localAddress(),
        listener instanceof EpollServerSocketChannel ? "epoll" : "nio");
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
