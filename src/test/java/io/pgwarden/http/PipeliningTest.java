package io.pgwarden.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Pipelined requests over a real (plain) socket: answers come in request order even when the first
 * completes last. (EmbeddedChannel duplicates outbound buffers written from later tasks in this
 * situation, so this one needs a socket.)
 */
class PipeliningTest {
  @Test
  void answersKeepRequestOrder() throws Exception {
    Leaks.install();
    EventLoopGroup group = HttpServer.newEventLoopGroup();
    CompletableFuture<Response> slow = new CompletableFuture<>();
    CountDownLatch fastAsked = new CountDownLatch(1);
    Router router =
        Router.builder()
            .get("/slow", Route.Access.OPEN, "test", r -> slow)
            .get(
                "/fast",
                Route.Access.OPEN,
                "test",
                r -> {
                  fastAsked.countDown();
                  return CompletableFuture.completedFuture(
                      Response.text(HttpResponseStatus.OK, "fast"));
                })
            .build();
    HttpServer server =
        new HttpServer("test", group, new HttpInitializer(null, router, Duration.ofSeconds(5)));
    server.start(InetAddress.getLoopbackAddress(), 0);
    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), server.boundPort())) {
      socket.setSoTimeout(5_000);
      socket
          .getOutputStream()
          .write((get("/slow") + get("/fast") + get("/nope")).getBytes(StandardCharsets.US_ASCII));
      // The second answer is ready before the first: only now does the order have to be kept.
      assertThat(fastAsked.await(5, TimeUnit.SECONDS))
          .as("/fast routed while /slow pends")
          .isTrue();
      assertThat(socket.getInputStream().available()).as("nothing before /slow's answer").isZero();
      slow.complete(Response.text(HttpResponseStatus.OK, "x".repeat(436)));

      String all = readUntil(socket.getInputStream(), "not found");

      assertThat(all.indexOf("xxxx")).isPositive().isLessThan(all.indexOf("fast"));
      assertThat(all.indexOf("fast")).isLessThan(all.indexOf("404 Not Found"));
    } finally {
      server.stop();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    }
    Leaks.assertNone();
  }

  private static String get(String path) {
    return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  }

  private static String readUntil(InputStream in, String end) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    while (!out.toString(StandardCharsets.ISO_8859_1).endsWith(end)) {
      int n = in.read(buf);
      if (n < 0) {
        break;
      }
      out.write(buf, 0, n);
    }
    return out.toString(StandardCharsets.ISO_8859_1);
  }
}
