package io.pgwarden.sql;

import static org.assertj.core.api.Assertions.assertThat;

import io.pgwarden.sql.PgPing.State;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PgPing against a fake postmaster on a Unix socket that answers canned bytes. */
class PgPingTest {
  @TempDir Path dir;

  private static byte[] message(char type, byte[] body) {
    ByteBuffer b = ByteBuffer.allocate(5 + body.length);
    b.put((byte) type).putInt(4 + body.length).put(body);
    return b.array();
  }

  private static byte[] error(String sqlState, String text) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (String field : new String[] {"SFATAL", "C" + sqlState, "M" + text}) {
      body.writeBytes(field.getBytes(StandardCharsets.UTF_8));
      body.write(0);
    }
    body.write(0);
    return message('E', body.toByteArray());
  }

  /**
   * Serves one connection: reads the startup message, answers {@code reply}, keeps what followed.
   */
  private record Fake(
      Path socket, CompletableFuture<byte[]> startup, CompletableFuture<byte[]> after) {}

  private Fake serve(byte[] reply, boolean closeAfterReply) throws IOException {
    Path socket = dir.resolve(".s.PGSQL.5432");
    ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    server.bind(UnixDomainSocketAddress.of(socket));
    CompletableFuture<byte[]> startup = new CompletableFuture<>();
    CompletableFuture<byte[]> after = new CompletableFuture<>();
    Thread t =
        new Thread(
            () -> {
              try (server;
                  SocketChannel client = server.accept()) {
                ByteBuffer length = ByteBuffer.allocate(4);
                readFully(client, length);
                ByteBuffer rest = ByteBuffer.allocate(length.getInt(0) - 4);
                readFully(client, rest);
                startup.complete(rest.array());
                client.write(ByteBuffer.wrap(reply));
                if (closeAfterReply) {
                  return;
                }
                ByteBuffer tail = ByteBuffer.allocate(64);
                client.read(tail); // Terminate, or EOF, or blocks until the client goes away
                byte[] got = new byte[tail.position()];
                tail.flip().get(got);
                after.complete(got);
              } catch (IOException e) {
                startup.completeExceptionally(e);
                after.completeExceptionally(e);
              }
            });
    t.setDaemon(true);
    t.start();
    return new Fake(socket, startup, after);
  }

  private static void readFully(SocketChannel ch, ByteBuffer b) throws IOException {
    while (b.hasRemaining()) {
      if (ch.read(b) < 0) {
        throw new IOException("EOF");
      }
    }
  }

  private static PgPing.Result ping(Path socket) {
    return new PgPing(socket, Duration.ofSeconds(2)).ping();
  }

  @Test
  void anAuthenticationRequestMeansAccepting() throws Exception {
    Fake fake = serve(message('R', new byte[] {0, 0, 0, 0}), false);

    PgPing.Result result = ping(fake.socket());

    assertThat(result.state()).isEqualTo(State.ACCEPTING);
    String startup = new String(fake.startup().get(5, TimeUnit.SECONDS), StandardCharsets.US_ASCII);
    assertThat(ByteBuffer.wrap(fake.startup().get()).getInt(0)).isEqualTo(3 << 16);
    assertThat(startup)
        .contains("user\0postgres\0")
        .contains("database\0postgres\0")
        .endsWith("\0\0");
    // Terminate ('X', length 4) before closing, as libpq does.
    assertThat(fake.after().get(5, TimeUnit.SECONDS)).containsExactly('X', 0, 0, 0, 4);
  }

  @Test
  void cannotConnectNowMeansRejecting() throws Exception {
    Fake fake = serve(error("57P03", "the database system is starting up"), true);

    PgPing.Result result = ping(fake.socket());

    assertThat(result.state()).isEqualTo(State.REJECTING);
    assertThat(result.reason()).contains("57P03").contains("starting up");
  }

  @Test
  void otherErrorsMeanTheServerAnswers() throws Exception {
    for (String sqlState : new String[] {"53300", "28000", "28P01", "3D000"}) {
      Fake fake = serve(error(sqlState, "no"), true);

      PgPing.Result result = ping(fake.socket());

      assertThat(result.state()).as(sqlState).isEqualTo(State.ACCEPTING);
      assertThat(result.reason()).contains(sqlState);
      java.nio.file.Files.deleteIfExists(fake.socket());
    }
  }

  @Test
  void noSocketIsNoResponse() {
    PgPing.Result result = ping(dir.resolve("absent"));

    assertThat(result.state()).isEqualTo(State.NO_RESPONSE);
    assertThat(result.reason()).contains("absent");
  }

  @Test
  void aServerThatSaysNothingTimesOut() throws Exception {
    Fake fake = serve(new byte[0], false);

    long start = System.nanoTime();
    PgPing.Result result = new PgPing(fake.socket(), Duration.ofMillis(300)).ping();

    assertThat(result.state()).isEqualTo(State.NO_RESPONSE);
    assertThat(result.reason()).contains("within 300 ms");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void aClosedConnectionIsNoResponse() throws Exception {
    Fake fake = serve(new byte[0], true);

    assertThat(ping(fake.socket()).state()).isEqualTo(State.NO_RESPONSE);
  }

  @Test
  void somethingElseThanPostgresIsNoResponse() throws Exception {
    Fake fake = serve("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(StandardCharsets.US_ASCII), true);

    PgPing.Result result = ping(fake.socket());

    assertThat(result.state()).isEqualTo(State.NO_RESPONSE);
    assertThat(result.reason()).contains("not postgres");
  }

  @Test
  void anAbsurdErrorLengthIsNoResponse() throws Exception {
    byte[] reply = ByteBuffer.allocate(5).put((byte) 'E').putInt(Integer.MAX_VALUE).array();
    Fake fake = serve(reply, true);

    assertThat(ping(fake.socket()).state()).isEqualTo(State.NO_RESPONSE);
  }

  @Test
  void errorFieldsAreParsedWithoutATrailingTerminator() {
    byte[] truncated = "C57P03\0Mshutting down".getBytes(StandardCharsets.UTF_8);

    PgPing.Result result = PgPing.classifyError(truncated);

    assertThat(result.state()).isEqualTo(State.REJECTING);
    assertThat(result.reason()).endsWith("shutting down");
  }
}
