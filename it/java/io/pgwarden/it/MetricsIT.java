package io.pgwarden.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Port 9187 against a real postgres, checked by Prometheus's own tools. */
class MetricsIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @TempDir Path dir;

  @Test
  void promtoolAcceptsARealScrapeInBothFormats() throws Exception {
    try (Pgwarden pg = new Pgwarden(dir).start()) {
      pg.awaitReady();
      String text = scrape(pg, "text/plain");
      assertThat(promtool(text)).as("promtool check metrics").isEqualTo(INHERITED_LINT);
      assertThat(text)
          .contains("cnpg_collector_up 1")
          .contains("cnpg_collector_postgres_version{")
          .contains("cnpg_pg_postmaster_start_time")
          .contains("cnpg_backends_total")
          .contains("pgwarden_log_records_dropped_total 0");
      // the WAL settings as current_setting prints them, parsed by pgwarden, against the raw
      // values of pg_settings; and synchronous standbys counted by pg_stat_get_wal_senders()
      assertThat(value(text, "cnpg_collector_pg_wal\\{value=\"max\"\\}"))
          .isEqualTo(maxWalSegments(pg));
      assertThat(value(text, "cnpg_collector_sync_replicas\\{value=\"observed\"\\}"))
          .isEqualTo(0.0);
      // promtool 2.42 cannot parse OpenMetrics (escaped quotes in HELP): the format is checked by
      // a real Prometheus scrape below, and here by its terminator.
      String open = scrape(pg, "application/openmetrics-text");
      assertThat(open.strip()).endsWith("# EOF");
      assertThat(open).contains("cnpg_collector_up");
      // Netty's epoll transport, its library unpacked into the controller directory
      assertThat(pg.logs())
          .map(l -> l.path("msg").asText())
          .anySatisfy(
              m -> assertThat(m).startsWith("metrics server listening on").endsWith("(epoll)"));
    }
  }

  /** {@code max_wal_size / wal_segment_size} from pg_settings' raw values and units. */
  private static double maxWalSegments(Pgwarden pg) throws Exception {
    try (Connection c = pg.connect("postgres");
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT (SELECT setting::float8 * 1048576 FROM pg_settings"
                    + " WHERE name = 'max_wal_size' AND unit = 'MB')"
                    + " / (SELECT setting::float8 FROM pg_settings"
                    + " WHERE name = 'wal_segment_size' AND unit = 'B')")) {
      assertThat(rs.next()).isTrue();
      double segments = rs.getDouble(1);
      assertThat(rs.wasNull()).as("max_wal_size in MB, wal_segment_size in B").isFalse();
      return segments;
    }
  }

  @Test
  void everyUsageKindFromAConfigMapQueryFile() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(
        spec,
        """
        spec:
          monitoring:
            disableDefaultQueries: true
            customQueriesConfigMap:
              - name: custom-queries
                key: queries.yaml
        """);
    writeQueries(
        """
        kinds:
          query: "SELECT 'a' AS tag, 7 AS seven, 11 AS eleven, 1500 AS waited, 'up' AS state, 'x' AS dropped"
          metrics:
            - tag:
                usage: LABEL
                description: a label
            - seven:
                usage: GAUGE
                description: a gauge
            - eleven:
                usage: COUNTER
                description: a counter
            - waited:
                usage: DURATION
                description: a duration in milliseconds
            - state:
                usage: MAPPEDMETRIC
                description: mapped
                metric_mapping:
                  up: 1
                  down: 0
            - dropped:
                usage: DISCARD
                description: not exported
        per_db:
          query: "SELECT current_database() AS db, 1 AS one"
          target_databases: ["*"]
          metrics:
            - db:
                usage: LABEL
                description: database
            - one:
                usage: GAUGE
                description: one per database
        skipped_by_predicate:
          query: "SELECT 1 AS v"
          predicate_query: "SELECT false"
          metrics:
            - v:
                usage: GAUGE
                description: never
        skipped_by_version:
          query: "SELECT 1 AS v"
          runonserver: ">=99.0.0"
          metrics:
            - v:
                usage: GAUGE
                description: never
        """);
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      pg.awaitReady();
      try (Connection c = pg.connect("postgres");
          Statement st = c.createStatement()) {
        st.execute("CREATE DATABASE db_one");
        st.execute("CREATE DATABASE db_two");
      }
      String text = scrape(pg, "text/plain");
      // DURATION is milliseconds in CloudNativePG's format, which promtool's linter dislikes.
      assertThat(promtool(text))
          .isEqualTo(
              "cnpg_kinds_waited_milliseconds use base unit \"seconds\" instead of"
                  + " \"milliseconds\"\n");
      assertThat(value(text, "cnpg_kinds_seven\\{tag=\"a\"\\}")).isEqualTo(7.0);
      assertThat(value(text, "cnpg_kinds_eleven_total\\{tag=\"a\"\\}")).isEqualTo(11.0);
      assertThat(value(text, "cnpg_kinds_waited_milliseconds\\{tag=\"a\"\\}")).isEqualTo(1500.0);
      assertThat(value(text, "cnpg_kinds_state\\{tag=\"a\"\\}")).isEqualTo(1.0);
      assertThat(text).doesNotContain("cnpg_kinds_dropped").doesNotContain("cnpg_skipped_by");
      for (String db : List.of("postgres", "app", "db_one", "db_two")) {
        assertThat(text).containsPattern("cnpg_per_db_one\\{[^}]*db=\"" + db + "\"[^}]*\\} 1");
      }
    }
  }

  @Test
  void aCachedQueryRunsOncePerWindowAndASlowOneDoesNotStallTheScrape() throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(
        spec,
        """
        spec:
          postgresql:
            parameters:
              log_min_duration_statement: "0"
          monitoring:
            customQueriesConfigMap:
              - name: custom-queries
                key: queries.yaml
        """);
    writeQueries(
        """
        cached:
          query: "SELECT 42 AS answer_marker_cached"
          cache_seconds: 30
          metrics:
            - answer_marker_cached:
                usage: GAUGE
                description: cached for 30 s
        slow:
          query: "SELECT pg_sleep(30) IS NULL AS v"
          metrics:
            - v:
                usage: GAUGE
                description: outlives the statement timeout
        """);
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      pg.awaitReady();
      int mark = pg.mark();
      for (int i = 0; i < 3; i++) {
        long start = System.nanoTime();
        String text = scrape(pg, "text/plain");
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertThat(ms).as("a scrape with a slow query").isLessThan(15_000);
        assertThat(value(text, "cnpg_cached_answer_marker_cached")).isEqualTo(42.0);
        assertThat(text).contains("cnpg_collector_up 1").doesNotContain("cnpg_slow_v ");
        assertThat(text).containsPattern("pgwarden_query_errors_total\\{query=\"slow\"\\} [1-9]");
      }
      pg.awaitLogsCaughtUp(); // a second execution logged late would otherwise go uncounted
      List<JsonNode> all = pg.logs();
      long executions =
          all.subList(mark, all.size()).stream()
              .map(n -> n.path("record").path("message").asText())
              .filter(m -> m.contains("execute") && m.contains("answer_marker_cached"))
              .count();
      assertThat(executions).as("postgres ran the cached query").isEqualTo(1);
    }
  }

  @Test
  void aBrokenQueryFileIsRefusedByFileQueryAndLineAndThePreviousQueriesKeepRunning()
      throws Exception {
    Path spec = dir.resolve("cluster.yaml");
    Files.writeString(
        spec,
        """
        spec:
          monitoring:
            disableDefaultQueries: true
            customQueriesConfigMap:
              - name: custom-queries
                key: queries.yaml
        """);
    writeQueries(
        """
        good:
          query: "SELECT 1 AS v"
          metrics:
            - v:
                usage: GAUGE
                description: fine
        """);
    try (Pgwarden pg = new Pgwarden(dir, "--spec", spec.toString()).start()) {
      pg.awaitReady();
      assertThat(scrape(pg, "text/plain")).contains("cnpg_good_v 1");
      int mark = pg.mark();
      writeQueries(
          """
          good:
            query: "SELECT 2 AS v"
            metrics:
              - v:
                  usage: GUAGE
                  description: typo
          """);
      JsonNode error =
          pg.awaitLog(
              mark,
              n -> "error".equals(n.path("level").asText()) && n.toString().contains("GUAGE"),
              WAIT);
      assertThat(error.toString()).contains("queries.yaml").contains("good").contains("line");
      assertThat(scrape(pg, "text/plain")).contains("cnpg_good_v 1");
    }
  }

  @Test
  void aRealPrometheusScrapesPlainAndTls() throws Exception {
    try (Pgwarden plain = new Pgwarden(dir.resolve("plain")).start()) {
      plain.awaitReady();
      assertThat(prometheusSees(dir.resolve("prom-plain"), plain, false)).isEqualTo("1");
    }
    try (Pgwarden tls = new Pgwarden(dir.resolve("tls"), "--metrics-port-tls").start()) {
      tls.awaitReady();
      assertThat(prometheusSees(dir.resolve("prom-tls"), tls, true)).isEqualTo("1");
    }
  }

  /** Starts prometheus on loopback scraping pgwarden, returns the value of cnpg_collector_up. */
  private static String prometheusSees(Path work, Pgwarden pg, boolean tls) throws Exception {
    Files.createDirectories(work);
    int port = Ports.free();
    String target = "127.0.0.1:" + pg.metricsPort;
    String scheme =
        tls
            ? "    scheme: https\n    tls_config:\n      ca_file: "
                + pg.secrets.resolve("pgwarden-ca/ca.crt")
                + "\n      server_name: localhost\n"
            : "";
    Files.writeString(
        work.resolve("prometheus.yml"),
        "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: pgwarden\n"
            + scheme
            + "    static_configs:\n      - targets: ['"
            + target
            + "']\n");
    Process prometheus =
        new ProcessBuilder(
                "prometheus",
                "--config.file=" + work.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + work.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("prometheus.log").toFile())
            .start();
    try {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (System.nanoTime() < deadline) {
        try {
          HttpResponse<String> r =
              HTTP.send(
                  HttpRequest.newBuilder(
                          URI.create(
                              "http://127.0.0.1:"
                                  + port
                                  + "/api/v1/query?query="
                                  + URLEncoder.encode(
                                      "cnpg_collector_up{instance=\"" + target + "\"}",
                                      StandardCharsets.UTF_8)))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
          JsonNode result = JSON.readTree(r.body()).path("data").path("result");
          if (result.size() > 0) {
            return result.get(0).path("value").get(1).asText();
          }
        } catch (IOException e) {
          // not listening yet
        }
        Thread.sleep(250);
      }
      throw new AssertionError(
          "prometheus never returned the series; its log:\n"
              + Files.readString(work.resolve("prometheus.log")));
    } finally {
      prometheus.destroy();
      prometheus.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private void writeQueries(String yaml) throws IOException {
    Path file = dir.resolve("configmaps/custom-queries/queries.yaml");
    Files.createDirectories(file.getParent());
    Path tmp = file.resolveSibling("queries.yaml.tmp");
    Files.writeString(tmp, yaml);
    Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private static String scrape(Pgwarden pg, String accept) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pg.metricsPort + "/metrics"))
                .header("Accept", accept)
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  /**
   * The only lint promtool reports on the default set: CloudNativePG's own default queries name two
   * gauges {@code *_total}, and dashboards depend on those names, so pgwarden keeps them.
   */
  private static final String INHERITED_LINT =
      """
      cnpg_backends_total non-counter metrics should not have "_total" suffix
      cnpg_backends_waiting_total non-counter metrics should not have "_total" suffix
      """;

  /**
   * promtool's complaints about an exposition: empty when clean. A parse error (exit 1) fails the
   * test outright; lint findings (exit 3) are returned for the caller to compare.
   */
  private static String promtool(String exposition) throws Exception {
    Process p =
        new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
    p.getOutputStream().write(exposition.getBytes(StandardCharsets.UTF_8));
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int code = p.waitFor();
    assertThat(code).as("promtool exit code (3 = lint only): %s", out).isIn(0, 3);
    return code == 0 ? "" : out;
  }

  private static double value(String exposition, String seriesPattern) {
    Matcher m = Pattern.compile("(?m)^" + seriesPattern + " (\\S+)$").matcher(exposition);
    assertThat(m.find()).as("series %s in:\n%s", seriesPattern, exposition).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
