package io.pgwarden.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A real TLS server on loopback, as port 8000 will run it. */
class ReloadableSslContextTest {
  private final Issued ca = TestPki.at(java.time.Instant.now()).generateCa("pg", TestPki.DAYS_90);
  private final EventLoopGroup group =
      new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  private ReloadableSslContext tls;
  private Channel server;

  private Issued newServerCertificate() {
    return TestPki.at(java.time.Instant.now())
        .issueServer(ca, "pg-rw", List.of("localhost"), List.of("127.0.0.1"), TestPki.DAYS_90);
  }

  @BeforeEach
  void start() throws Exception {
    Issued first = newServerCertificate();
    tls =
        new ReloadableSslContext(
            first.chain().toArray(new X509Certificate[0]), first.privateKey(), List.of());
    server =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    // Read per connection: a reload applies to the next handshake.
                    ch.pipeline()
                        .addLast(tls.current().newHandler(ch.alloc()))
                        .addLast(
                            new ChannelInboundHandlerAdapter() {
                              @Override
                              public void exceptionCaught(ChannelHandlerContext ctx, Throwable e) {
                                // Refused handshakes are expected here; close without logging.
                                ctx.close().addListener(ChannelFutureListener.CLOSE_ON_FAILURE);
                              }
                            });
                  }
                })
            .bind("127.0.0.1", 0)
            .sync()
            .channel();
  }

  @AfterEach
  void stop() throws Exception {
    server.close().sync();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).sync();
  }

  private SSLSocket connect(String... protocols) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("ca", ca.certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, tmf.getTrustManagers(), null);
    int port = ((InetSocketAddress) server.localAddress()).getPort();
    SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", port);
    socket.setSoTimeout(5_000);
    SSLParameters parameters = socket.getSSLParameters();
    parameters.setEndpointIdentificationAlgorithm("HTTPS"); // the IP SAN must match
    parameters.setProtocols(protocols);
    socket.setSSLParameters(parameters);
    return socket;
  }

  private BigInteger handshakeSerial() throws Exception {
    try (SSLSocket socket = connect("TLSv1.3", "TLSv1.2")) {
      socket.startHandshake();
      assertThat(socket.getSession().getProtocol()).isEqualTo("TLSv1.3");
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  @Test
  void reloadIsSeenByTheNextConnection() throws Exception {
    BigInteger before = handshakeSerial();
    Issued second = newServerCertificate();

    tls.reload(second);

    assertThat(handshakeSerial())
        .isEqualTo(second.certificate().getSerialNumber())
        .isNotEqualTo(before);
  }

  @Test
  void aTls12OnlyClientIsRefused() throws Exception {
    try (SSLSocket socket = connect("TLSv1.2")) {
      assertThatThrownBy(socket::startHandshake).isInstanceOf(SSLHandshakeException.class);
    }
  }

  @Test
  void aFailedReloadKeepsTheCurrentContext() {
    Issued other = newServerCertificate();
    Issued mismatched = new Issued(other.chain(), newServerCertificate().privateKey());
    var before = tls.current();

    assertThatThrownBy(() -> tls.reload(mismatched))
        .isInstanceOf(TlsMaterialException.class)
        .hasMessageContaining("private key does not belong");

    assertThat(tls.current()).isSameAs(before);
  }
}
