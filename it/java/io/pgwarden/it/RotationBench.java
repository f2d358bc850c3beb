package io.pgwarden.it;

import io.pgwarden.tls.Issued;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * {@code scripts/bench/rotation}: pgwarden in Kubernetes mode against fabric8's mock API server;
 * each run writes a new server certificate into the {@code <c>-server} Secret through the API and
 * times until postgres serves it on a new TLS connection (watch event, validation, install,
 * reload). Prints every run, the median and the worst, and whether the postmaster restarted.
 *
 * <p>Arguments: a scratch directory. System property {@code runs} (default 7).
 */
public final class RotationBench {
  private static final String CLUSTER = "bench";

  private RotationBench() {}

  public static void main(String[] args) throws Exception {
    int runs = Integer.parseInt(System.getProperty("runs", "7"));
    Path dir = Files.createDirectories(Path.of(args[0]));
    byte[] secret = new byte[16];
    new SecureRandom().nextBytes(secret);
    try (MockApi api = new MockApi()) {
      Path tls = KubeScene.tlsSecrets(api, dir, CLUSTER);
      api.secretText(
          CLUSTER + "-app",
          Map.of("username", "app", "password", HexFormat.of().formatHex(secret)));
      api.createCluster(KubeScene.cluster(CLUSTER, ""));
      Pgwarden pg = Pgwarden.kubernetes(dir, api.env(dir, CLUSTER));
      if (pg.init(Duration.ofMinutes(2)) != 0) {
        throw new IllegalStateException("instance init failed:\n" + pg.tail(40));
      }
      try (pg) {
        pg.start().awaitReady();
        long postmaster = pg.postmasterPid();
        List<Long> millis = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
          Issued next = KubeScene.issueServer(tls, CLUSTER);
          BigInteger want = next.certificate().getSerialNumber();
          long t0 = System.nanoTime();
          api.secret(
              CLUSTER + "-server",
              Map.of("tls.crt", next.certificatePem(), "tls.key", next.privateKeyPem()));
          while (!KubeScene.servedSerial(pg.pgPort).equals(want)) {
            if (System.nanoTime() - t0 > Duration.ofSeconds(60).toNanos()) {
              throw new IllegalStateException("not served within 60 s:\n" + pg.tail(40));
            }
            Thread.sleep(5);
          }
          millis.add((System.nanoTime() - t0) / 1_000_000);
        }
        List<Long> sorted = new ArrayList<>(millis);
        sorted.sort(null);
        System.out.println("rotations: " + runs + "   ms each: " + millis);
        System.out.println(
            "median from the Secret updated on the API to the new certificate served: "
                + sorted.get((sorted.size() - 1) / 2)
                + " ms, worst "
                + sorted.get(sorted.size() - 1)
                + " ms (goal < 2000 ms)");
        System.out.println(
            "postmaster restarted during the run: "
                + (pg.postmasterPid() != postmaster ? "yes" : "no"));
      }
    }
  }
}
