package io.pgwarden.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pgwarden status}: the instance's {@code /pg/status}, as a table or raw JSON. */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    versionProvider = VersionCommand.Provider.class,
    description = "Show the status of a running instance (GET /pg/status on port 8000, TLS 1.3).")
public final class StatusCommand implements Callable<Integer> {
  /** Exit code when the instance cannot be reached or answers an error. */
  static final int EXIT_UNREACHABLE = 1;

  /** Output formats. */
  enum Format {
    table,
    json
  }

  @Option(names = "--host", paramLabel = "HOST", description = "Default: 127.0.0.1")
  String host = "127.0.0.1";

  @Option(names = "--port", paramLabel = "N", description = "Default: 8000")
  int port = 8000;

  @ArgGroup(exclusive = true)
  Trust trust;

  /** How the server's certificate is checked. */
  static final class Trust {
    @Option(
        names = "--cacert",
        paramLabel = "FILE",
        description = "PEM CA that issued the server certificate (<cluster>-ca/ca.crt)")
    Path caCert;

    @Option(
        names = "--insecure",
        description = "Do not verify the server certificate (still TLS 1.3)")
    boolean insecure;
  }

  @Option(
      names = {"-o", "--output"},
      paramLabel = "FORMAT",
      description = "table or json (default: table)")
  Format output = Format.table;

  @Spec CommandSpec spec;

  @Override
  public Integer call() throws InterruptedException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    URI uri = URI.create("https://" + hostForUri() + ":" + port + "/pg/status");
    HttpResponse<String> response;
    try {
      HttpClient client =
          HttpClient.newBuilder()
              .sslContext(sslContext())
              .sslParameters(new SSLParameters(null, new String[] {"TLSv1.3"}))
              .connectTimeout(Duration.ofSeconds(5))
              .build();
      response =
          client.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(35)).GET().build(),
              HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException | IOException e) {
      err.println("pgwarden status: cannot read " + uri + ": " + describe(e));
      return EXIT_UNREACHABLE;
    }
    if (response.statusCode() != 200) {
      err.println(
          "pgwarden status: "
              + uri
              + " answered "
              + response.statusCode()
              + ": "
              + response.body());
      return EXIT_UNREACHABLE;
    }
    if (output == Format.json) {
      out.println(response.body());
    } else {
      try {
        out.print(table(new ObjectMapper().readTree(response.body())));
      } catch (IOException e) {
        err.println("pgwarden status: " + uri + " answered something else than JSON: " + e);
        return EXIT_UNREACHABLE;
      }
    }
    out.flush();
    return 0;
  }

  private String hostForUri() {
    return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
  }

  private static String describe(Exception e) {
    if (e instanceof ConnectException) {
      return "connection refused (is pgwarden running, and is this its status port?)";
    }
    if (e instanceof javax.net.ssl.SSLHandshakeException) {
      return "TLS handshake failed ("
          + e.getMessage()
          + "); pass the cluster CA with --cacert FILE, or --insecure";
    }
    return e.getMessage() == null ? e.toString() : e.getMessage();
  }

  /** Key fields, one a line, aligned. */
  static String table(JsonNode s) {
    Map<String, String> rows = new LinkedHashMap<>();
    rows.put("Pod", s.at("/pod/metadata/name").asText(""));
    rows.put("Primary", s.path("isPrimary").asText(""));
    rows.put("System ID", s.path("systemID").asText(""));
    rows.put("Timeline", s.path("timeLineID").asText(""));
    if (s.path("isPrimary").asBoolean()) {
      rows.put("Current LSN", s.path("currentLsn").asText(""));
      rows.put("Current WAL", s.path("currentWAL").asText(""));
    } else {
      rows.put("Received LSN", s.path("receivedLsn").asText(""));
      rows.put("Replay LSN", s.path("replayLsn").asText(""));
      rows.put("Replay paused", s.path("replayPaused").asText(""));
      rows.put("WAL receiver", s.path("isWalReceiverActive").asBoolean() ? "streaming" : "down");
    }
    rows.put("Pending restart", s.path("pendingRestart").asText(""));
    rows.put("Configuration hash", s.path("loadedConfigurationHash").asText(""));
    rows.put("Replicas", Integer.toString(s.path("replicationInfo").size()));
    rows.put("Replication slots", Integer.toString(s.path("replicationSlotsInfo").size()));
    rows.put("pgwarden version", s.path("instanceManagerVersion").asText(""));
    int width = rows.keySet().stream().mapToInt(String::length).max().orElse(0);
    StringBuilder out = new StringBuilder();
    rows.forEach(
        (k, v) ->
            out.append(k)
                .append(":")
                .append(" ".repeat(width - k.length() + 1))
                .append(v)
                .append('\n'));
    return out.toString();
  }

  private SSLContext sslContext() throws GeneralSecurityException, IOException {
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    if (trust != null && trust.insecure) {
      context.init(null, new TrustManager[] {new TrustAnything()}, null);
    } else if (trust != null && trust.caCert != null) {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      try (InputStream in = Files.newInputStream(trust.caCert)) {
        int i = 0;
        for (Certificate c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
          store.setCertificateEntry("ca" + i++, c);
        }
        if (i == 0) {
          throw new IOException("--cacert " + trust.caCert + ": no certificate in the file");
        }
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(store);
      context.init(null, tmf.getTrustManagers(), null);
    } else {
      context.init(null, null, null); // the JDK's default trust store
    }
    return context;
  }

  /** {@code --insecure}: the user asked not to verify the server. */
  @SuppressFBWarnings(
      value = "WEAK_TRUST_MANAGER",
      justification = "only under --insecure, an explicit choice of the user, as curl -k")
  private static final class TrustAnything extends X509ExtendedTrustManager {
    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
