package io.pgwarden.it;

import io.pgwarden.tls.Issued;
import io.pgwarden.tls.Pem;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;

/**
 * An HTTPS client of port 8000 that trusts the cluster's CA, with or without a client certificate.
 */
final class Https {
  private final HttpClient client;
  private final int port;

  Https(Path caCertificate, int port, Issued clientCertificate) throws Exception {
    this.port = port;
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    X509Certificate ca = Pem.certificates(Files.readAllBytes(caCertificate), "ca").get(0);
    trust.setCertificateEntry("ca", ca);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    KeyManagerFactory kmf = null;
    if (clientCertificate != null) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry(
          "client",
          clientCertificate.privateKey(),
          new char[0],
          clientCertificate.chain().toArray(new X509Certificate[0]));
      kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, new char[0]);
    }
    SSLContext ssl = SSLContext.getInstance("TLSv1.3");
    ssl.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    SSLParameters params = new SSLParameters();
    params.setProtocols(new String[] {"TLSv1.3"});
    this.client =
        HttpClient.newBuilder()
            .sslContext(ssl)
            .sslParameters(params)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(
        HttpRequest.newBuilder(URI.create("https://localhost:" + port + path))
            .timeout(Duration.ofSeconds(30))
            .GET()
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
