package io.pgwarden.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.pgwarden.sql.PgPing;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A corpus of hostile requests: each is answered 4xx (505 for a foreign HTTP version) or the
 * connection is closed, the pipeline never throws, and nothing leaks at PARANOID.
 */
class MalformedRequestsTest {
  private static StatusApi api;

  @BeforeAll
  static void start() throws Exception {
    Leaks.install();
    api =
        new StatusApi(
            new LivenessCheck(Instant::now, Duration.ofSeconds(30), Clock.systemUTC()),
            () -> new PgPing.Result(PgPing.State.ACCEPTING, "ok"),
            () -> CompletableFuture.completedFuture(StatusApiTest.sampleStatus()),
            () -> "data",
            () -> Optional.of("00"),
            Runnable::run);
  }

  @AfterAll
  static void stop() {
    api.close();
  }

  private static String host(String requestLine) {
    return requestLine + "\r\nHost: pg\r\n\r\n";
  }

  static Map<String, byte[]> corpus() {
    Map<String, String> text = new TreeMap<>();
    text.put("01 bad request line", "GARBAGE\r\n\r\n");
    text.put(
        "02 huge header",
        "GET /healthz HTTP/1.1\r\nHost: pg\r\nX-Big: " + "a".repeat(10_000) + "\r\n\r\n");
    text.put(
        "03 many headers",
        "GET /healthz HTTP/1.1\r\nHost: pg\r\n" + "X-A: b\r\n".repeat(2_000) + "\r\n");
    text.put(
        "04 huge body announced",
        "POST /pg/status HTTP/1.1\r\nHost: pg\r\nContent-Length: 1000000\r\n\r\n");
    text.put(
        "05 huge chunked body",
        "POST /pg/status HTTP/1.1\r\nHost: pg\r\nTransfer-Encoding: chunked\r\n\r\n"
            + ("1000\r\n" + "x".repeat(4096) + "\r\n").repeat(20)
            + "0\r\n\r\n");
    text.put("06 bad method token", host("G@T /healthz HTTP/1.1"));
    text.put("07 unknown method", host("BREW /healthz HTTP/1.1"));
    text.put("08 relative target", host("GET healthz HTTP/1.1"));
    text.put("09 HTTP/0.9", "GET /healthz\r\n\r\n");
    text.put("10 missing Host with HTTP/1.1", "GET /healthz HTTP/1.1\r\n\r\n");
    text.put("11 two Host headers", "GET /healthz HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n");
    text.put(
        "12 bare CR in a header value",
        "GET /healthz HTTP/1.1\r\nHost: pg\r\nX: a\rInjected: b\r\n\r\n");
    text.put(
        "13 space in a header name", "GET /healthz HTTP/1.1\r\nHost: pg\r\nBad Header: x\r\n\r\n");
    text.put("14 NUL in a header value", "GET /healthz HTTP/1.1\r\nHost: pg\r\nX: a\0b\r\n\r\n");
    text.put("15 absolute URI to a traversal", host("GET http://evil/pg/../controldata HTTP/1.1"));
    text.put("16 path traversal", host("GET /pg/../healthz HTTP/1.1"));
    text.put("17 percent-encoded path", host("GET /heal%74hz HTTP/1.1"));
    text.put("18 encoded NUL", host("GET /healthz%00 HTTP/1.1"));
    text.put("19 very long path", host("GET /" + "a".repeat(5_000) + " HTTP/1.1"));
    text.put(
        "20 chunked with a bad size",
        "POST /failsafe HTTP/1.1\r\nHost: pg\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nabc\r\n0\r\n\r\n");
    text.put(
        "21 Content-Length not a number",
        "POST /failsafe HTTP/1.1\r\nHost: pg\r\nContent-Length: abc\r\n\r\n");
    text.put(
        "22 two different Content-Lengths",
        "POST /failsafe HTTP/1.1\r\nHost: pg\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab");
    text.put(
        "23 negative Content-Length",
        "POST /failsafe HTTP/1.1\r\nHost: pg\r\nContent-Length: -1\r\n\r\n");
    text.put(
        "24 Content-Length and chunked",
        "POST /failsafe HTTP/1.1\r\nHost: pg\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    text.put("25 asterisk form", host("OPTIONS * HTTP/1.1"));
    text.put("26 authority form", host("CONNECT pg:8000 HTTP/1.1"));
    text.put("27 HTTP/2.0 request line", host("GET /healthz HTTP/2.0"));
    text.put("28 version garbage", host("GET /healthz HTTP/x.y"));
    text.put("29 operator route without certificate", host("GET /pg/controldata HTTP/1.1"));
    text.put("30 double slash", host("GET //healthz HTTP/1.1"));
    text.put(
        "31 header injection in the target",
        "GET /healthz\r\nX-Injected: 1 HTTP/1.1\r\nHost: pg\r\n\r\n");
    text.put("32 header without a colon", "GET /healthz HTTP/1.1\r\nHost: pg\r\nNoColon\r\n\r\n");
    text.put("33 lowercase method", host("get /healthz HTTP/1.1"));
    Map<String, byte[]> all = new TreeMap<>();
    text.forEach((k, v) -> all.put(k, v.getBytes(StandardCharsets.ISO_8859_1)));
    all.put("34 UTF-8 path", host("GET /héalthz HTTP/1.1").getBytes(StandardCharsets.UTF_8));
    byte[] garbage = new byte[4096];
    new Random(42).nextBytes(garbage);
    all.put("35 binary garbage", garbage);
    byte[] tlsHello =
        new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00, (byte) 0xa1};
    all.put("36 TLS ClientHello on plain HTTP", Arrays.copyOf(tlsHello, 200));
    return all;
  }

  @Test
  void everyHostileRequestIsRefusedOrCut() throws Exception {
    Map<String, byte[]> corpus = corpus();
    assertThat(corpus).hasSizeGreaterThanOrEqualTo(20);
    for (Map.Entry<String, byte[]> c : corpus.entrySet()) {
      Exchange ex = new Exchange(api.router(), Duration.ofMillis(500));
      try {
        ex.send(c.getValue());
        Exchange.Reply reply = ex.reply();
        if (reply == null) {
          // Nothing answered: the connection must be cut (now, or by the read timeout).
          long deadline = System.nanoTime() + Duration.ofSeconds(3).toNanos();
          while (ex.channel.isOpen() && System.nanoTime() < deadline) {
            Thread.sleep(20);
            ex.channel.runScheduledPendingTasks();
          }
          assertThat(ex.channel.isOpen()).as(c.getKey() + ": no answer, still open").isFalse();
        } else {
          assertThat(reply.status())
              .as(c.getKey() + ": " + reply.headers())
              .satisfiesAnyOf(
                  s -> assertThat(s).isBetween(400, 499), s -> assertThat(s).isEqualTo(505));
        }
        ex.channel.checkException();
      } finally {
        ex.close();
      }
    }
    Leaks.assertNone();
  }

  @Test
  void theLeakDetectorIsListening() throws Exception {
    for (int i = 0; i < 10; i++) {
      ByteBuf leaked = PooledByteBufAllocator.DEFAULT.buffer(16);
      leaked.writeByte(1); // never released
    }
    assertThat(Leaks.collect()).isNotEmpty();
    Leaks.clear();
  }
}
