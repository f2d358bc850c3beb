package io.pgwarden.metrics.queries;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueryEngineTest {
  /** Answers SQL by text; counts the calls. */
  static final class FakeExecutor implements QueryExecutor {
    final Map<String, Function<String, Rows>> answers = new HashMap<>();
    final List<String> calls = new ArrayList<>();
    final java.util.Set<Integer> connections = new java.util.TreeSet<>();
    int version = 160002;

    void answer(String sql, Function<String, Rows> rows) {
      answers.put(sql, rows);
    }

    @Override
    public Rows query(String database, int connection, String sql, Duration timeout) {
      synchronized (calls) {
        calls.add(database + ":" + sql);
        connections.add(connection);
      }
      return answers.get(sql).apply(database);
    }

    /** The statements of each queryAll call, in order. */
    final List<List<String>> batches = new ArrayList<>();

    @Override
    public List<Result> queryAll(
        String database, int connection, List<String> sqls, Duration timeout) {
      synchronized (calls) {
        batches.add(List.copyOf(sqls));
      }
      return QueryExecutor.super.queryAll(database, connection, sqls, timeout);
    }

    @Override
    public int serverVersionNum(String database, int connection) {
      return version;
    }

    int count(String sql) {
      synchronized (calls) {
        return (int) calls.stream().filter(c -> c.endsWith(":" + sql)).count();
      }
    }
  }

  static QueryExecutor.Rows rows(List<String> columns, Object[]... rows) {
    List<Map<String, Object>> list = new ArrayList<>();
    for (Object[] row : rows) {
      Map<String, Object> m = new LinkedHashMap<>();
      for (int i = 0; i < columns.size(); i++) {
        m.put(columns.get(i), row[i]);
      }
      list.add(m);
    }
    return new QueryExecutor.Rows(columns, list);
  }

  final FakeExecutor executor = new FakeExecutor();
  boolean primary = true;
  final AtomicLong clock = new AtomicLong();
  QueryEngine engine =
      new QueryEngine(executor, () -> primary, "postgres", Duration.ofMillis(300), clock::get);

  /** Counted down when a test ends: what waits for it (a query that never answers) ends too. */
  final CountDownLatch testEnded = new CountDownLatch(1);

  @AfterEach
  void close() {
    testEnded.countDown();
    engine.close();
  }

  void load(String yaml) throws Exception {
    engine.reload(QueriesParser.parse("test.yaml", yaml));
  }

  /** Queries named {@code names}, each {@code SELECT}ing as its upper-cased name one gauge v. */
  static String oneGaugeEach(String... names) {
    StringBuilder yaml = new StringBuilder();
    for (String n : names) {
      yaml.append(n)
          .append(":\n  query: ")
          .append(n.toUpperCase(java.util.Locale.ROOT))
          .append("\n  metrics: [{v: {usage: GAUGE}}]\n");
    }
    return yaml.toString();
  }

  static MetricSnapshot find(MetricSnapshots all, String name) {
    return all.stream()
        .filter(s -> s.getMetadata().getName().equals(name))
        .findFirst()
        .orElse(null);
  }

  static List<String> names(MetricSnapshots all) {
    return all.stream().map(s -> s.getMetadata().getName()).toList();
  }

  @Test
  void everyUsageBecomesItsSnapshot() throws Exception {
    load(
        """
        q:
          query: S
          metrics:
            - l: {usage: LABEL, description: "a label"}
            - g: {usage: GAUGE, description: "a gauge"}
            - c_total: {usage: COUNTER, description: "a counter"}
            - m: {usage: MAPPEDMETRIC, description: "mapped", metric_mapping: {up: 1, down: 0}}
            - d: {usage: DURATION, description: "a duration"}
            - h: {usage: HISTOGRAM, description: "a histogram"}
            - x: {usage: DISCARD}
        """);
    executor.answer(
        "S",
        db ->
            rows(
                List.of("l", "g", "c_total", "m", "d", "h", "h_bucket", "h_sum", "h_count", "x"),
                new Object[] {
                  "a", 1.5, 7L, "up", 1500, List.of(1.0, 2.0), List.of(3L, 5L), 4.0, 6L, 9
                },
                new Object[] {null, null, 8, "unknown", "2s", null, null, null, null, 9}));

    MetricSnapshots s = engine.collect();

    GaugeSnapshot g = (GaugeSnapshot) find(s, "cnpg_q_g");
    assertThat(g.getMetadata().getHelp()).isEqualTo("a gauge");
    assertThat(g.getDataPoints())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getValue()).isEqualTo(1.5);
              assertThat(p.getLabels().get("l")).isEqualTo("a");
            });
    CounterSnapshot c = (CounterSnapshot) find(s, "cnpg_q_c");
    assertThat(c.getDataPoints())
        .as("a NULL label is empty")
        .extracting(p -> p.getLabels().get("l") + "=" + p.getValue())
        .containsExactlyInAnyOrder("a=7.0", "=8.0");
    GaugeSnapshot m = (GaugeSnapshot) find(s, "cnpg_q_m");
    assertThat(m.getDataPoints()).singleElement().extracting(p -> p.getValue()).isEqualTo(1.0);
    GaugeSnapshot d = (GaugeSnapshot) find(s, "cnpg_q_d_milliseconds");
    assertThat(d.getDataPoints())
        .extracting(p -> p.getValue())
        .containsExactlyInAnyOrder(1500.0, 2000.0);
    HistogramSnapshot h = (HistogramSnapshot) find(s, "cnpg_q_h");
    assertThat(h.getDataPoints())
        .singleElement()
        .satisfies(
            p -> {
              assertThat(p.getCount()).isEqualTo(6);
              assertThat(p.getSum()).isEqualTo(4.0);
              assertThat(p.getClassicBuckets().getCount(1)).isEqualTo(2);
              assertThat(p.getClassicBuckets().getUpperBound(2))
                  .isEqualTo(Double.POSITIVE_INFINITY);
            });
    assertThat(find(s, "cnpg_q_x")).isNull();
    assertThat(find(s, "cnpg_q_l")).isNull();
  }

  @Test
  void eachScrapesLabelsAreItsOwnRowsValues() throws Exception {
    load(
        """
        q:
          query: S
          metrics:
            - name: {usage: LABEL}
            - kind: {usage: LABEL}
            - v: {usage: GAUGE}
        """);
    List<String> columns = List.of("name", "kind", "v");
    executor.answer(
        "S", db -> rows(columns, new Object[] {"a", "x", 1}, new Object[] {"b", "x", 2}));
    assertThat(samples(engine.collect())).containsExactlyInAnyOrder("a,x=1.0", "b,x=2.0");

    executor.answer(
        "S",
        db ->
            rows(
                columns,
                new Object[] {"b", "x", 3},
                new Object[] {"a", "y", 4},
                new Object[] {"c", null, 5}));
    assertThat(samples(engine.collect())).containsExactlyInAnyOrder("b,x=3.0", "a,y=4.0", "c,=5.0");
  }

  private static List<String> samples(MetricSnapshots s) {
    return ((GaugeSnapshot) find(s, "cnpg_q_v"))
        .getDataPoints().stream()
            .map(
                p ->
                    p.getLabels().get("name")
                        + ","
                        + p.getLabels().get("kind")
                        + "="
                        + p.getValue())
            .toList();
  }

  @Test
  void starTargetsEveryDatabaseWithADatnameLabel() throws Exception {
    load(
        """
        q:
          target_databases: ["*"]
          query: S
          metrics:
            - v: {usage: GAUGE}
        """);
    executor.answer(
        QueryEngine.DATABASES_SQL,
        db ->
            rows(
                List.of("datname"),
                new Object[] {"app"},
                new Object[] {"postgres"},
                new Object[] {"x"}));
    executor.answer("S", db -> rows(List.of("v"), new Object[] {db.length()}));

    GaugeSnapshot v = (GaugeSnapshot) find(engine.collect(), "cnpg_q_v");

    assertThat(v.getDataPoints())
        .extracting(p -> p.getLabels().get("datname") + "=" + p.getValue())
        .containsExactlyInAnyOrder("app=3.0", "postgres=8.0", "x=1.0");
  }

  @Test
  void patternsMatchWholeNames() {
    QueryExecutor.Rows all =
        rows(
            List.of("datname"),
            new Object[] {"app_1"},
            new Object[] {"app_2x"},
            new Object[] {"other"});
    assertThat(BatchPlanner.choose(List.of("app_[0-9]", "named"), all))
        .containsExactly("app_1", "named");
  }

  @Test
  void skipsOnFalsePredicateOldServerAndStandby() throws Exception {
    load(
        """
        pred:
          query: A
          predicate_query: P
          metrics: [{v: {usage: GAUGE}}]
        old:
          query: B
          runonserver: "<13.0.0"
          metrics: [{v: {usage: GAUGE}}]
        prim:
          query: C
          primary: true
          metrics: [{v: {usage: GAUGE}}]
        """);
    executor.answer("P", db -> rows(List.of("ok"), new Object[] {false}));
    executor.answer("A", db -> rows(List.of("v"), new Object[] {1}));
    executor.answer("B", db -> rows(List.of("v"), new Object[] {1}));
    executor.answer("C", db -> rows(List.of("v"), new Object[] {1}));
    primary = false;

    MetricSnapshots s = engine.collect();

    assertThat(names(s)).containsExactly("pgwarden_query_errors", "pgwarden_query_last_error");
    assertThat(executor.count("A")).isZero();
    assertThat(executor.count("B")).isZero();
    assertThat(executor.count("C")).isZero();

    primary = true;
    executor.answer("P", db -> rows(List.of("ok"), new Object[] {true}));
    assertThat(names(engine.collect()))
        .contains("cnpg_pred_v", "cnpg_prim_v")
        .doesNotContain("cnpg_old_v");
  }

  @Test
  void cacheSecondsServesTheCachedResultWithinTheWindow() throws Exception {
    load(
        """
        q:
          query: S
          cache_seconds: 10
          metrics: [{v: {usage: GAUGE}}]
        """);
    AtomicInteger n = new AtomicInteger();
    executor.answer("S", db -> rows(List.of("v"), new Object[] {n.incrementAndGet()}));

    assertThat(value(engine.collect())).isEqualTo(1.0);
    clock.addAndGet(TimeUnit.SECONDS.toNanos(9));
    assertThat(value(engine.collect())).isEqualTo(1.0);
    assertThat(executor.count("S")).isEqualTo(1);
    clock.addAndGet(TimeUnit.SECONDS.toNanos(2));
    assertThat(value(engine.collect())).isEqualTo(2.0);
    assertThat(executor.count("S")).isEqualTo(2);
  }

  @Test
  void concurrentScrapesShareOneRefresh() throws Exception {
    // A scrape waits for its runs twice the timeout of real time: ample for the test's steps.
    engine.close();
    engine =
        new QueryEngine(executor, () -> primary, "postgres", Duration.ofSeconds(5), clock::get);
    load(
        """
        q:
          query: S
          metrics: [{v: {usage: GAUGE}}]
        """);
    CountDownLatch release = new CountDownLatch(1);
    executor.answer(
        "S",
        db -> {
          try {
            release.await(5, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return rows(List.of("v"), new Object[] {1});
        });

    CompletableFuture<MetricSnapshots> a = new CompletableFuture<>();
    CompletableFuture<MetricSnapshots> b = new CompletableFuture<>();
    Thread scrapeA = new Thread(() -> a.complete(engine.collect()), "scrape-a");
    Thread scrapeB = new Thread(() -> b.complete(engine.collect()), "scrape-b");
    scrapeA.start();
    scrapeB.start();
    // Both scrapes hold a run and wait for it (a timed wait: collect's only one) while the one
    // refresh is held back: were there two runs, the query would have been called twice.
    await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(2))
        .until(
            () ->
                scrapeA.getState() == Thread.State.TIMED_WAITING
                    && scrapeB.getState() == Thread.State.TIMED_WAITING
                    && executor.count("S") == 1);
    release.countDown();

    assertThat(value(a.get(5, TimeUnit.SECONDS))).isEqualTo(1.0);
    assertThat(value(b.get(5, TimeUnit.SECONDS))).isEqualTo(1.0);
    assertThat(executor.count("S")).isEqualTo(1);
  }

  @Test
  void aSlowQueryCountsAnErrorAndTheOthersStillComeBack() throws Exception {
    engine.close();
    engine = new QueryEngine(executor, () -> true, "postgres", Duration.ofMillis(200));
    load(
        """
        slow:
          query: SLOW
          target_databases: [other]
          metrics: [{v: {usage: GAUGE}}]
        fast:
          query: FAST
          metrics: [{v: {usage: GAUGE}}]
        broken:
          query: BROKEN
          metrics: [{v: {usage: GAUGE}}]
        """);
    // SLOW answers only when interrupted (the engine's limit) or when the test ends.
    executor.answer(
        "SLOW",
        db -> {
          try {
            testEnded.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          return rows(List.of("v"), new Object[] {1});
        });
    executor.answer("FAST", db -> rows(List.of("v"), new Object[] {2}));
    executor.answer(
        "BROKEN",
        db -> {
          throw new IllegalStateException("relation \"nope\" does not exist");
        });

    long start = System.nanoTime();
    MetricSnapshots s = engine.collect();
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took).isLessThan(Duration.ofSeconds(2));
    assertThat(names(s)).contains("cnpg_fast_v").doesNotContain("cnpg_slow_v", "cnpg_broken_v");
    CounterSnapshot errors = (CounterSnapshot) find(s, "pgwarden_query_errors");
    assertThat(errors.getDataPoints())
        .extracting(p -> p.getLabels().get("query") + "=" + p.getValue())
        .containsExactlyInAnyOrder("slow=1.0", "fast=0.0", "broken=1.0");
    GaugeSnapshot last = (GaugeSnapshot) find(s, "pgwarden_query_last_error");
    assertThat(last.getDataPoints())
        .extracting(p -> p.getLabels().get("query") + "=" + p.getValue())
        .containsExactlyInAnyOrder("slow=1.0", "fast=0.0", "broken=1.0");
  }

  @Test
  void aDatabasesQueriesSpreadOverItsConnectionsAndEachRunsOnce() throws Exception {
    load(oneGaugeEach("a", "b", "c"));
    executor.answer("A", db -> rows(List.of("v"), new Object[] {1}));
    executor.answer("B", db -> rows(List.of("v"), new Object[] {2}));
    executor.answer("C", db -> rows(List.of("v"), new Object[] {3}));

    MetricSnapshots s = engine.collect();

    assertThat(names(s)).contains("cnpg_a_v", "cnpg_b_v", "cnpg_c_v");
    assertThat(List.of(executor.count("A"), executor.count("B"), executor.count("C")))
        .containsOnly(1);
    synchronized (executor.calls) {
      assertThat(executor.connections).containsExactly(0, 1);
    }
  }

  @Test
  void queriesGoTogetherButForTheirFirstRunAndEveryNthWhenTheyAreTimedAlone() throws Exception {
    load(oneGaugeEach("a", "b", "c", "d"));
    for (String q : List.of("A", "B", "C", "D")) {
      executor.answer(q, db -> rows(List.of("v"), new Object[] {1}));
    }
    List<List<String>> alone = List.of(List.of("A"), List.of("B"), List.of("C"), List.of("D"));
    for (int scrape = 0; scrape <= QueryState.MEASURE_EVERY; scrape++) {
      synchronized (executor.calls) {
        executor.batches.clear();
      }
      MetricSnapshots s = engine.collect();
      assertThat(names(s)).contains("cnpg_a_v", "cnpg_b_v", "cnpg_c_v", "cnpg_d_v");
      synchronized (executor.calls) {
        if (scrape == 0 || scrape == QueryState.MEASURE_EVERY) {
          assertThat(executor.batches)
              .as("scrape %d: each alone", scrape)
              .containsExactlyInAnyOrderElementsOf(alone);
        } else {
          // together: one call a connection, the four queries spread over the two
          assertThat(executor.batches).as("scrape %d", scrape).hasSize(2);
          assertThat(executor.batches.stream().flatMap(List::stream))
              .containsExactlyInAnyOrder("A", "B", "C", "D");
        }
      }
    }
  }

  @Test
  void aPrefetchedRunServesTheNextCollectOnly() throws Exception {
    load(
        """
        q:
          query: S
          metrics: [{v: {usage: GAUGE}}]
        """);
    AtomicInteger n = new AtomicInteger();
    executor.answer("S", db -> rows(List.of("v"), new Object[] {n.incrementAndGet()}));

    engine.prefetch();
    assertThat(value(engine.collect())).isEqualTo(1.0);
    assertThat(executor.count("S")).isEqualTo(1);
    assertThat(value(engine.collect()))
        .as("no cache: the next scrape runs it again")
        .isEqualTo(2.0);
  }

  @Test
  void reloadSwapsTheQueries() throws Exception {
    load("a:\n  query: A\n  metrics: [{v: {usage: GAUGE}}]\n");
    executor.answer("A", db -> rows(List.of("v"), new Object[] {1}));
    executor.answer("B", db -> rows(List.of("v"), new Object[] {1}));
    assertThat(names(engine.collect())).contains("cnpg_a_v");
    load("b:\n  query: B\n  metrics: [{v: {usage: GAUGE}}]\n");
    assertThat(names(engine.collect())).contains("cnpg_b_v").doesNotContain("cnpg_a_v");
  }

  @Test
  void theDefaultQueriesParse() {
    List<UserQuery> queries = DefaultQueries.load();
    assertThat(queries)
        .extracting(UserQuery::name)
        .contains(
            "backends",
            "backends_waiting",
            "pg_database",
            "pg_postmaster",
            "pg_replication",
            "pg_replication_slots",
            "pg_stat_archiver",
            "pg_stat_bgwriter",
            "pg_stat_bgwriter_17",
            "pg_stat_checkpointer",
            "pg_stat_database",
            "pg_stat_replication",
            "pg_settings",
            "pg_extensions");
  }

  private static double value(MetricSnapshots s) {
    List<? extends DataPointSnapshot> points = find(s, "cnpg_q_v").getDataPoints();
    return ((GaugeSnapshot.GaugeDataPointSnapshot) points.get(0)).getValue();
  }
}
