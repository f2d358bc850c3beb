package io.pgwarden.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Raw HTTP bytes into an EmbeddedChannel with the real pipeline, raw responses out. */
final class Exchange {
  /** One parsed response. */
  record Reply(int status, String headers, String body) {
    String header(String name) {
      for (String line : headers.lines().toList()) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }

  final EmbeddedChannel channel = new EmbeddedChannel();
  private final StringBuilder received = new StringBuilder();

  Exchange(Router router, Duration readTimeout) {
    new HttpInitializer(null, router, readTimeout).configure(channel);
  }

  Exchange(Router router) {
    this(router, Duration.ofSeconds(30));
  }

  void send(String raw) {
    send(raw.getBytes(StandardCharsets.ISO_8859_1));
  }

  void send(byte[] raw) {
    if (channel.isOpen()) {
      channel.writeInbound(Unpooled.wrappedBuffer(raw));
    }
  }

  /**
   * The next {@code n} responses, waiting for asynchronous routes; fewer when the channel closed.
   */
  List<Reply> replies(int n) throws InterruptedException {
    List<Reply> replies = new ArrayList<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (replies.size() < n && System.nanoTime() < deadline) {
      channel.runPendingTasks();
      ByteBuf b;
      while ((b = channel.readOutbound()) != null) {
        received.append(b.toString(StandardCharsets.ISO_8859_1));
        b.release();
      }
      Reply r;
      while (replies.size() < n && (r = parseOne()) != null) {
        replies.add(r);
      }
      if (replies.size() < n) {
        if (!channel.isOpen() && channel.outboundMessages().isEmpty()) {
          break;
        }
        Thread.sleep(2);
      }
    }
    return replies;
  }

  /** The next response, or null when the channel closed without one. */
  Reply reply() throws InterruptedException {
    List<Reply> one = replies(1);
    return one.isEmpty() ? null : one.get(0);
  }

  Reply exchange(String raw) throws InterruptedException {
    send(raw);
    return reply();
  }

  private Reply parseOne() {
    int end = received.indexOf("\r\n\r\n");
    if (end < 0) {
      return null;
    }
    String head = received.substring(0, end);
    int length = 0;
    for (String line : head.lines().toList()) {
      if (line.toLowerCase(Locale.ROOT).startsWith("content-length:")) {
        length = Integer.parseInt(line.substring(15).trim());
      }
    }
    String body;
    if (received.length() >= end + 4 + length) {
      body = received.substring(end + 4, end + 4 + length);
    } else if (!channel.isOpen()) {
      body = received.substring(end + 4);
      length = body.length();
    } else {
      return null;
    }
    received.delete(0, end + 4 + length);
    int status = Integer.parseInt(head.substring(9, 12));
    return new Reply(status, head, body);
  }

  /** Reads a HEAD response: headers only, whatever Content-Length says. */
  Reply headReply() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (System.nanoTime() < deadline) {
      channel.runPendingTasks();
      ByteBuf b;
      while ((b = channel.readOutbound()) != null) {
        received.append(b.toString(StandardCharsets.ISO_8859_1));
        b.release();
      }
      int end = received.indexOf("\r\n\r\n");
      if (end >= 0) {
        String head = received.substring(0, end);
        String rest = received.substring(end + 4);
        received.setLength(0);
        return new Reply(Integer.parseInt(head.substring(9, 12)), head, rest);
      }
      Thread.sleep(2);
    }
    return null;
  }

  void close() {
    channel.finishAndReleaseAll();
  }
}
