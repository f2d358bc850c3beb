package io.pgwarden.metrics.queries;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One thread a database and connection number, so that statements run one at a time on each
 * connection, while connections and databases proceed side by side. A thread ends after a minute
 * without work.
 *
 * <p>Work goes to a lane as a batch (a scrape's statements in that database, handed over at once),
 * which runs its statements as {@linkplain Steps#run steps}. Each step gets a hard limit from the
 * moment it starts (the limit times the statements it sends together): past it, the step's future
 * fails with a {@link TimeoutException} and the thread is interrupted, so that the batch's next
 * step can start. One timer watches a whole batch: it is armed once when the batch starts and fires
 * only when a step outlives the limit.
 */
final class DatabaseLanes implements AutoCloseable {
  private final long limitNanos;
  private final Map<String, ExecutorService> lanes = new ConcurrentHashMap<>();
  private final ScheduledThreadPoolExecutor timers;

  DatabaseLanes(Duration limit) {
    this.limitNanos = limit.toNanos();
    this.timers =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "pgwarden-metrics-timer");
              t.setDaemon(true);
              return t;
            });
    timers.setRemoveOnCancelPolicy(true);
  }

  private ExecutorService lane(String database, int connection) {
    String name = connection == 0 ? database : database + "-" + connection;
    return lanes.computeIfAbsent(
        connection + ":" + database,
        key ->
            new ThreadPoolExecutor(
                0,
                1,
                1,
                TimeUnit.MINUTES,
                new LinkedBlockingQueue<>(),
                r -> {
                  Thread t = new Thread(r, "pgwarden-metrics-" + name);
                  t.setDaemon(true);
                  return t;
                }));
  }

  /**
   * Runs {@code batch} in the thread of the database's connection number {@code connection}; it
   * completes its steps' futures itself and catches its own failures.
   *
   * @throws RejectedExecutionException when the lanes are closed
   */
  void submit(String database, int connection, Consumer<Steps> batch) {
    lane(database, connection)
        .execute(
            () -> {
              Steps steps = new Steps(database, Thread.currentThread());
              try {
                batch.accept(steps);
              } finally {
                steps.finish();
              }
            });
  }

  /** The steps of one batch, run on its lane's thread. */
  final class Steps {
    private final String database;
    private final Thread thread;
    private final Object lock = new Object();
    private CompletableFuture<?> current;
    private String what = "";
    private long deadline;
    private long stepLimitNanos;
    private boolean finished;
    private ScheduledFuture<?> timer;

    private Steps(String database, Thread thread) {
      this.database = database;
      this.thread = thread;
    }

    /**
     * Runs {@code step} now, completing {@code result} with its value or its failure; {@code what}
     * names it in the timeout message. Does nothing when {@code result} is already complete.
     */
    <T> void run(String what, Callable<T> step, CompletableFuture<T> result) {
      run(what, 1, step, result);
    }

    /**
     * Runs {@code step}, which sends {@code statements} statements together, as {@link #run(String,
     * Callable, CompletableFuture)}: its limit is that many times a statement's.
     */
    <T> void run(String what, int statements, Callable<T> step, CompletableFuture<T> result) {
      if (result.isDone()) {
        return;
      }
      synchronized (lock) {
        current = result;
        this.what = what;
        stepLimitNanos = limitNanos * Math.max(1, statements);
        deadline = System.nanoTime() + stepLimitNanos;
        if (timer == null) {
          arm(stepLimitNanos);
        }
      }
      try {
        result.complete(step.call());
      } catch (InterruptedException e) {
        result.completeExceptionally(e);
      } catch (Exception e) {
        result.completeExceptionally(e);
      } finally {
        synchronized (lock) {
          current = null;
          // An interrupt meant for this step must not reach the next one.
          boolean ignored = Thread.interrupted();
        }
      }
    }

    /** The timer: fails and interrupts a step past its deadline, then waits for the next one. */
    private void check() {
      synchronized (lock) {
        if (finished) {
          return;
        }
        long now = System.nanoTime();
        long wait = limitNanos;
        if (current != null) {
          if (now - deadline >= 0) {
            TimeoutException e =
                new TimeoutException(
                    what
                        + " in database "
                        + database
                        + " ran past "
                        + TimeUnit.NANOSECONDS.toMillis(stepLimitNanos)
                        + " ms");
            if (current.completeExceptionally(e)) {
              thread.interrupt();
            }
          } else {
            wait = deadline - now;
          }
        }
        arm(wait);
      }
    }

    /** Schedules {@link #check} in {@code nanos}; with the timers closed, steps run unwatched. */
    private void arm(long nanos) {
      try {
        timer = timers.schedule(this::check, nanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        finished = true;
      }
    }

    private void finish() {
      synchronized (lock) {
        finished = true;
        if (timer != null) {
          timer.cancel(false);
        }
      }
    }
  }

  @Override
  public void close() {
    lanes.values().forEach(ExecutorService::shutdownNow);
    timers.shutdownNow();
  }
}
