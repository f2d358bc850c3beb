package io.pgwarden.sql;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import javax.net.SocketFactory;

/**
 * A pgjdbc {@code socketFactory} that connects to postgres's Unix socket with the JDK's own Unix
 * domain channels, so no native library is unpacked (the root filesystem is read-only in a pod).
 * pgjdbc instantiates it with {@code socketFactoryArg}, the socket file's path, and then calls
 * {@code connect} with the host and port of the URL, which are ignored.
 */
public final class UnixSocketFactory extends SocketFactory {
  private final UnixDomainSocketAddress address;

  public UnixSocketFactory(String socketPath) {
    this.address = UnixDomainSocketAddress.of(socketPath);
  }

  @Override
  public Socket createSocket() {
    return new UnixSocket(address);
  }

  @Override
  public Socket createSocket(String host, int port) throws IOException {
    return connected();
  }

  @Override
  public Socket createSocket(String host, int port, InetAddress localHost, int localPort)
      throws IOException {
    return connected();
  }

  @Override
  public Socket createSocket(InetAddress host, int port) throws IOException {
    return connected();
  }

  @Override
  public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
      throws IOException {
    return connected();
  }

  private Socket connected() throws IOException {
    UnixSocket s = new UnixSocket(address);
    s.connect(null, 0);
    return s;
  }

  /**
   * A {@link Socket} over a non-blocking {@link SocketChannel}: reads wait in a {@link Selector} so
   * that {@code setSoTimeout} is honoured (pgjdbc relies on it for socket timeouts and
   * notifications); without it a read would block forever.
   */
  private static final class UnixSocket extends Socket {
    private final UnixDomainSocketAddress target;
    private SocketChannel channel;
    private volatile Selector readSelector;
    private volatile Selector writeSelector;
    private volatile int timeoutMillis;
    private final InputStream in = new ChannelInput();
    private final OutputStream out = new ChannelOutput();

    @SuppressFBWarnings(
        value = "UNENCRYPTED_SOCKET",
        justification =
            "a Unix-domain socket to the local postgres; no network, and postgres checks the peer's uid")
    UnixSocket(UnixDomainSocketAddress target) {
      this.target = target;
    }

    @Override
    public synchronized void connect(SocketAddress ignored, int timeout) throws IOException {
      SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
      try {
        ch.connect(target);
        ch.configureBlocking(false);
        readSelector = Selector.open();
        writeSelector = Selector.open();
        ch.register(readSelector, SelectionKey.OP_READ);
        ch.register(writeSelector, SelectionKey.OP_WRITE);
      } catch (IOException e) {
        ch.close();
        throw new IOException("while connecting to postgres's socket " + target.getPath(), e);
      }
      channel = ch;
    }

    @Override
    public void connect(SocketAddress endpoint) throws IOException {
      connect(endpoint, 0);
    }

    @Override
    public boolean isConnected() {
      return channel != null && channel.isConnected();
    }

    @Override
    public boolean isClosed() {
      return channel != null && !channel.isOpen();
    }

    @Override
    public InputStream getInputStream() {
      return in;
    }

    @Override
    public OutputStream getOutputStream() {
      return out;
    }

    @Override
    public synchronized void setSoTimeout(int timeout) {
      timeoutMillis = timeout;
    }

    @Override
    public synchronized int getSoTimeout() {
      return timeoutMillis;
    }

    // TCP options have no meaning on a Unix socket; pgjdbc sets them anyway.
    @Override
    public void setTcpNoDelay(boolean on) {}

    @Override
    public void setKeepAlive(boolean on) {}

    @Override
    public synchronized void setReceiveBufferSize(int size) {}

    @Override
    public synchronized void setSendBufferSize(int size) {}

    @Override
    public synchronized void close() throws IOException {
      if (channel == null) {
        return;
      }
      try {
        channel.close();
      } finally {
        readSelector.close();
        writeSelector.close();
      }
    }

    private final class ChannelInput extends InputStream {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
          return 0;
        }
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (true) {
          int n = channel.read(buf);
          if (n != 0) {
            return n;
          }
          int timeout = timeoutMillis;
          if (readSelector.select(timeout) == 0 && timeout > 0) {
            throw new SocketTimeoutException("read timed out after " + timeout + " ms");
          }
          readSelector.selectedKeys().clear();
        }
      }
    }

    private final class ChannelOutput extends OutputStream {
      @Override
      public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        ByteBuffer buf = ByteBuffer.wrap(b, off, len);
        while (buf.hasRemaining()) {
          if (channel.write(buf) == 0) {
            writeSelector.select();
            writeSelector.selectedKeys().clear();
          }
        }
      }
    }
  }
}
