package io.pgwarden.it;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Free ports below 32768: Linux hands out 32768-60999 as client ports, and a connect loop to such a
 * port on 127.0.0.1 can connect to itself and then keep postgres from binding it.
 */
final class Ports {
  private Ports() {}

  static int free() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = ThreadLocalRandom.current().nextInt(20000, 32000);
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(port));
        return port;
      } catch (IOException e) {
        // taken: try another
      }
    }
    throw new IllegalStateException("no free port found between 20000 and 32000");
  }
}
