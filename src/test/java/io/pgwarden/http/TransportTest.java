package io.pgwarden.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.nio.NioIoHandler;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A server answers on the epoll group pgwarden makes on Linux, and on an NIO group it is given. */
class TransportTest {
  @Test
  void theDefaultGroupIsEpollWhereItsLibraryLoads() throws Exception {
    EventLoopGroup group = HttpServer.newEventLoopGroup();
    try {
      assertThat(
              ((MultiThreadIoEventLoopGroup) group)
                  .isIoType(io.netty.channel.epoll.EpollIoHandler.class))
          .isEqualTo(Epoll.isAvailable());
      assertThat(notFound(group)).startsWith("HTTP/1.1 404");
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void anNioGroupGetsNioChannels() throws Exception {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    try {
      assertThat(notFound(group)).startsWith("HTTP/1.1 404");
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
  }

  private static String notFound(EventLoopGroup group) throws Exception {
    HttpServer server =
        new HttpServer(
            "test",
            group,
            new HttpInitializer(null, Router.builder().build(), Duration.ofSeconds(5)));
    server.start(InetAddress.getLoopbackAddress(), 0);
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.boundPort())) {
      socket.setSoTimeout(5_000);
      socket
          .getOutputStream()
          .write(
              "GET /x HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    } finally {
      server.stop();
    }
  }
}
