package io.pgwarden.status;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class StatusProviderTest {
  private final AtomicLong now = new AtomicLong(1_000_000_000L);
  private final AtomicInteger connects = new AtomicInteger();
  private final AtomicInteger closes = new AtomicInteger();
  private StatusProvider provider;

  /** A connection that only counts {@code close()}. */
  private Connection fakeConnection() {
    connects.incrementAndGet();
    return (Connection)
        Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {Connection.class},
            (proxy, method, args) -> {
              if (method.getName().equals("close")) {
                closes.incrementAndGet();
              }
              return null;
            });
  }

  private StatusProvider provider(StatusProvider.Computation computation) {
    provider =
        new StatusProvider(this::fakeConnection, computation, Duration.ofSeconds(1), now::get);
    return provider;
  }

  @AfterEach
  void close() {
    provider.close();
  }

  @Test
  void concurrentCallersShareOneComputationAndTheWindowServesTheCache() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    PostgresqlStatus status = StatusJsonTest.primary();
    StatusProvider p =
        provider(
            c -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return status;
            });

    List<CompletableFuture<PostgresqlStatus>> calls = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      Thread t =
          new Thread(
              () -> {
                CompletableFuture<PostgresqlStatus> f = p.current();
                synchronized (calls) {
                  calls.add(f);
                }
              });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    release.countDown();
    for (CompletableFuture<PostgresqlStatus> f : calls) {
      assertThat(f.get(5, TimeUnit.SECONDS)).isSameAs(status);
    }
    assertThat(p.computations()).isEqualTo(1);

    now.addAndGet(Duration.ofMillis(900).toNanos());
    assertThat(p.current().get(5, TimeUnit.SECONDS)).isSameAs(status);
    assertThat(p.computations()).isEqualTo(1);

    now.addAndGet(Duration.ofMillis(200).toNanos());
    assertThat(p.current().get(5, TimeUnit.SECONDS)).isSameAs(status);
    assertThat(p.computations()).isEqualTo(2);
    assertThat(connects.get()).as("one connection kept across computations").isEqualTo(1);
  }

  @Test
  void aFailureReconnectsOnceAndIsNotCached() throws Exception {
    AtomicInteger calls = new AtomicInteger();
    PostgresqlStatus status = StatusJsonTest.primary();
    StatusProvider p =
        provider(
            c -> {
              int n = calls.incrementAndGet();
              if (n == 2) {
                throw new SQLException("terminating connection due to administrator command");
              }
              return status;
            });

    p.current().get(5, TimeUnit.SECONDS);
    now.addAndGet(Duration.ofSeconds(2).toNanos());
    // Second computation: the kept connection fails, a new one succeeds.
    assertThat(p.current().get(5, TimeUnit.SECONDS)).isSameAs(status);
    assertThat(connects.get()).isEqualTo(2);
    assertThat(closes.get()).isEqualTo(1);
  }

  @Test
  void aDownServerFailsTheFutureWithTheCause() throws Exception {
    StatusProvider p =
        provider(
            c -> {
              throw new SQLException("connection refused");
            });

    assertThatThrownBy(() -> p.current().get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class)
        .hasRootCauseInstanceOf(SQLException.class)
        .hasRootCauseMessage("connection refused");
    // Not cached: the next call computes again (no retry on a connection just opened).
    assertThatThrownBy(() -> p.current().get(5, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);
    assertThat(p.computations()).isEqualTo(2);
    assertThat(connects.get()).isEqualTo(2);
  }

  @Test
  void aCallerCancellingItsFutureDoesNotCancelTheOthers() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    PostgresqlStatus status = StatusJsonTest.primary();
    StatusProvider p =
        provider(
            c -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return status;
            });
    CompletableFuture<PostgresqlStatus> first = p.current();
    CompletableFuture<PostgresqlStatus> second = p.current();

    first.cancel(true);
    release.countDown();

    assertThat(second.get(5, TimeUnit.SECONDS)).isSameAs(status);
  }
}
