package io.pgwarden.status;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@link PostgresqlStatus} to any number of callers with at most one computation at a time
 * and at most one a freshness window: concurrent callers share the computation in flight, and a
 * result younger than the window is served as it is. The operator polls every instance on each
 * reconcile, and a kubelet or a curious user may too; postgres sees one query burst a second at
 * most.
 *
 * <p>The computation runs on the provider's own thread, never on an event loop, over one dedicated
 * connection kept open between calls. As role {@code postgres} it connects within {@code
 * superuser_reserved_connections}, so the status stays readable when ordinary clients exhausted
 * {@code max_connections}. A failure closes the connection and retries once on a new one.
 */
public final class StatusProvider implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(StatusProvider.class);

  /** The default freshness window. */
  public static final Duration FRESHNESS = Duration.ofSeconds(1);

  private static final Duration DISCONNECT_WAIT = Duration.ofSeconds(10);

  /** Opens the dedicated connection, e.g. {@code () -> postgres.connect("postgres", 10)}. */
  @FunctionalInterface
  public interface ConnectionFactory {
    /** A new connection as {@code postgres}. */
    Connection connect() throws SQLException;
  }

  /** Computes the status from an open connection. */
  @FunctionalInterface
  public interface Computation {
    /** The status now, from {@code connection}. */
    PostgresqlStatus compute(Connection connection) throws SQLException;
  }

  private final ConnectionFactory connections;
  private final Computation computation;
  private final long freshnessNanos;
  private final LongSupplier nanoTime;
  private final AtomicLong computations = new AtomicLong();
  private final ExecutorService executor =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "pgwarden-status");
            t.setDaemon(true);
            return t;
          });

  // Guarded by this.
  private CompletableFuture<PostgresqlStatus> inFlight;
  private PostgresqlStatus cached;
  private long cachedAt;

  // Confined to the executor's thread.
  private Connection connection;

  /** The status of this instance from {@link StatusQueries}, fresh for {@link #FRESHNESS}. */
  public StatusProvider(ConnectionFactory connections, InstanceIdentity identity) {
    this(connections, c -> StatusQueries.compute(c, identity), FRESHNESS, System::nanoTime);
  }

  StatusProvider(
      ConnectionFactory connections,
      Computation computation,
      Duration freshness,
      LongSupplier nanoTime) {
    this.connections = connections;
    this.computation = computation;
    this.freshnessNanos = freshness.toNanos();
    this.nanoTime = nanoTime;
  }

  /**
   * The status: the cached one while fresh, else the computation in flight, else a new one. The
   * future fails (with the {@link SQLException} as cause) when postgres cannot be queried; failures
   * are not cached, the next call tries again.
   */
  public synchronized CompletableFuture<PostgresqlStatus> current() {
    if (cached != null && nanoTime.getAsLong() - cachedAt < freshnessNanos) {
      return CompletableFuture.completedFuture(cached);
    }
    if (inFlight == null) {
      try {
        inFlight = CompletableFuture.supplyAsync(this::computeOnOwnThread, executor);
      } catch (RejectedExecutionException e) {
        return CompletableFuture.failedFuture(
            new IllegalStateException("the status provider is closed", e));
      }
    }
    // A copy: a caller that cancels or completes its future cannot touch the shared one.
    return inFlight.copy();
  }

  /**
   * Ends the computation in flight before its future completes, so a caller woken by it already
   * sees the cache. It takes the lock after {@link #current()} set {@code inFlight}.
   */
  private synchronized void finished(PostgresqlStatus s) {
    inFlight = null;
    if (s != null) {
      cached = s;
      cachedAt = nanoTime.getAsLong();
    }
  }

  /**
   * Closes the kept connection, after any computation in flight. Called before postgres stops: a
   * smart shutdown waits for every session, this one included. A later call reconnects (and is
   * refused while postgres shuts down).
   */
  public void disconnect() {
    try {
      executor.submit(this::closeConnection).get(DISCONNECT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closed already: no connection left
    } catch (ExecutionException | TimeoutException e) {
      log.warn("the status connection did not close in time: {}", e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** How many computations ran (or started) so far. */
  public long computations() {
    return computations.get();
  }

  private PostgresqlStatus computeOnOwnThread() {
    computations.incrementAndGet();
    PostgresqlStatus status = null;
    try {
      status = computeWithOneRetry();
      return status;
    } catch (SQLException e) {
      throw new CompletionException(e);
    } finally {
      finished(status);
    }
  }

  private PostgresqlStatus computeWithOneRetry() throws SQLException {
    boolean fresh = connection == null;
    if (fresh) {
      connection = connections.connect();
    }
    try {
      return computation.compute(connection);
    } catch (SQLException first) {
      closeConnection();
      if (fresh) {
        throw first;
      }
      // The kept connection may have died with a postgres restart: one new try.
      log.debug("status connection failed ({}); reconnecting once", first.getMessage());
      connection = connections.connect();
      try {
        return computation.compute(connection);
      } catch (SQLException second) {
        closeConnection();
        throw second;
      }
    }
  }

  private void closeConnection() {
    Connection c = connection;
    connection = null;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        log.debug("while closing the status connection: {}", e.getMessage());
      }
    }
  }

  /** Stops the thread and closes the connection; a computation in flight is interrupted. */
  @Override
  public synchronized void close() {
    if (executor.isShutdown()) {
      return;
    }
    executor.execute(this::closeConnection);
    executor.shutdown();
    try {
      if (!executor.awaitTermination(5, TimeUnit.SECONDS)) {
        executor.shutdownNow();
      }
    } catch (InterruptedException e) {
      executor.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
