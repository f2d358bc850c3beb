package io.pgwarden.sql;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;

/**
 * {@code pg_isready} without JDBC: one StartupMessage over the Unix socket, and the first byte of
 * the answer decides. Semantics of libpq's {@code PQping}: postgres "answers" whenever it replies
 * with anything but the error {@code 57P03 cannot_connect_now} (starting up, shutting down, in
 * recovery without hot standby), even an authentication failure or "too many connections" (see
 * {@code internal_ping} in postgres's {@code src/interfaces/libpq/fe-connect.c}).
 *
 * <p>Every read and write is bounded by one deadline, so a wedged postmaster cannot hold a probe.
 */
public final class PgPing {
  /** What a ping found, as {@code PQping} reports it. */
  public enum State {
    /** postgres accepts connections ({@code PQPING_OK}). */
    ACCEPTING,
    /** postgres answers but refuses connections for now ({@code PQPING_REJECT}). */
    REJECTING,
    /** nothing answered: no socket, connection refused, a timeout ({@code PQPING_NO_RESPONSE}). */
    NO_RESPONSE
  }

  /** The state and a reason a person can read. */
  public record Result(State state, String reason) {}

  static final int PROTOCOL_3_0 = 3 << 16;
  static final String CANNOT_CONNECT_NOW = "57P03";
  private static final int MAX_ERROR_BYTES = 8192;

  private final UnixDomainSocketAddress socket;
  private final Duration timeout;

  /**
   * A ping of the socket file {@code <controller>/run/.s.PGSQL.<port>}, bounded by {@code timeout}.
   */
  public PgPing(Path socket, Duration timeout) {
    this.socket = UnixDomainSocketAddress.of(socket);
    this.timeout = timeout;
  }

  /** Pings once; blocks up to the timeout, so never on an event loop. */
  public Result ping() {
    long deadline = System.nanoTime() + timeout.toNanos();
    try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX);
        Selector selector = Selector.open()) {
      channel.configureBlocking(false);
      SelectionKey key = channel.register(selector, 0);
      // A connect to a Unix socket whose backlog is full would block: never wait unbounded.
      if (!channel.connect(socket)) {
        await(selector, key, SelectionKey.OP_CONNECT, deadline);
        channel.finishConnect();
      }
      write(channel, selector, key, startupMessage(), deadline);
      ByteBuffer header = ByteBuffer.allocate(5);
      read(channel, selector, key, header, deadline);
      byte type = header.get(0);
      int length = header.getInt(1);
      switch (type) {
        case 'R', 'S', 'K', 'v', 'N' -> {
          write(channel, selector, key, terminate(), deadline);
          return new Result(State.ACCEPTING, "postgres accepts connections");
        }
        case 'E' -> {
          if (length < 4 || length - 4 > MAX_ERROR_BYTES) {
            return new Result(State.NO_RESPONSE, "malformed error message from " + path());
          }
          ByteBuffer body = ByteBuffer.allocate(length - 4);
          read(channel, selector, key, body, deadline);
          return classifyError(body.array());
        }
        default -> {
          return new Result(
              State.NO_RESPONSE,
              path() + " answered with message type " + (type & 0xff) + ": not postgres");
        }
      }
    } catch (TimeoutException e) {
      return new Result(
          State.NO_RESPONSE, "no answer from " + path() + " within " + timeout.toMillis() + " ms");
    } catch (EOFException e) {
      return new Result(State.NO_RESPONSE, path() + " closed the connection without an answer");
    } catch (IOException e) {
      return new Result(State.NO_RESPONSE, "cannot reach " + path() + ": " + e.getMessage());
    }
  }

  private String path() {
    return socket.getPath().toString();
  }

  /** An ErrorResponse body: fields {@code <code byte><C string>}, ended by a zero byte. */
  static Result classifyError(byte[] body) {
    String sqlState = "";
    String message = "";
    int i = 0;
    while (i < body.length && body[i] != 0) {
      byte field = body[i++];
      int end = i;
      while (end < body.length && body[end] != 0) {
        end++;
      }
      String value = new String(body, i, end - i, StandardCharsets.UTF_8);
      if (field == 'C') {
        sqlState = value;
      } else if (field == 'M') {
        message = value;
      }
      i = end + 1;
    }
    String reason = "postgres answered " + sqlState + ": " + message;
    return new Result(
        CANNOT_CONNECT_NOW.equals(sqlState) ? State.REJECTING : State.ACCEPTING, reason);
  }

  /** StartupMessage v3.0 as user and database {@code postgres}. */
  static ByteBuffer startupMessage() {
    byte[] parameters =
        "user\0postgres\0database\0postgres\0application_name\0pgwarden-ping\0\0"
            .getBytes(StandardCharsets.US_ASCII);
    ByteBuffer buffer = ByteBuffer.allocate(8 + parameters.length);
    buffer.putInt(8 + parameters.length).putInt(PROTOCOL_3_0).put(parameters).flip();
    return buffer;
  }

  private static ByteBuffer terminate() {
    ByteBuffer buffer = ByteBuffer.allocate(5);
    buffer.put((byte) 'X').putInt(4).flip();
    return buffer;
  }

  private static void write(
      SocketChannel channel, Selector selector, SelectionKey key, ByteBuffer data, long deadline)
      throws IOException {
    while (data.hasRemaining()) {
      if (channel.write(data) == 0) {
        await(selector, key, SelectionKey.OP_WRITE, deadline);
      }
    }
  }

  private static void read(
      SocketChannel channel, Selector selector, SelectionKey key, ByteBuffer into, long deadline)
      throws IOException {
    while (into.hasRemaining()) {
      int n = channel.read(into);
      if (n < 0) {
        throw new EOFException();
      }
      if (n == 0) {
        await(selector, key, SelectionKey.OP_READ, deadline);
      }
    }
  }

  private static void await(Selector selector, SelectionKey key, int op, long deadline)
      throws IOException {
    key.interestOps(op);
    long left = deadline - System.nanoTime();
    if (left <= 0) {
      throw new TimeoutException();
    }
    // select(0) would wait forever: at least one millisecond.
    int ready = selector.select(Math.max(1, Duration.ofNanos(left).toMillis()));
    selector.selectedKeys().clear();
    if (ready == 0 && deadline - System.nanoTime() <= 0) {
      throw new TimeoutException();
    }
  }

  private static final class TimeoutException extends IOException {
    private static final long serialVersionUID = 1L;
  }
}
