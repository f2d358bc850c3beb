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

/**
 * One thread a database, so that statements in a database run one at a time on its one connection,
 * while databases proceed side by side. A thread ends after a minute without work. Each task gets a
 * hard limit from the moment it starts: past it, the task's future fails with a {@link
 * TimeoutException} and its thread is interrupted, so that the next task in that database can
 * start.
 */
final class DatabaseLanes implements AutoCloseable {
  private final Duration limit;
  private final Map<String, ExecutorService> lanes = new ConcurrentHashMap<>();
  private final ScheduledThreadPoolExecutor timers;

  DatabaseLanes(Duration limit) {
    this.limit = limit;
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

  private ExecutorService lane(String database) {
    return lanes.computeIfAbsent(
        database,
        db -> {
          ThreadPoolExecutor pool =
              new ThreadPoolExecutor(
                  0,
                  1,
                  1,
                  TimeUnit.MINUTES,
                  new LinkedBlockingQueue<>(),
                  r -> {
                    Thread t = new Thread(r, "pgwarden-metrics-" + db);
                    t.setDaemon(true);
                    return t;
                  });
          return pool;
        });
  }

  /** Runs {@code work} in the database's thread; {@code what} names it in the timeout message. */
  <T> CompletableFuture<T> submit(String database, String what, Callable<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    Runnable task =
        () -> {
          if (result.isDone()) {
            return;
          }
          Thread thread = Thread.currentThread();
          Object running = new Object();
          boolean[] done = {false};
          ScheduledFuture<?> timer =
              timers.schedule(
                  () -> {
                    TimeoutException e =
                        new TimeoutException(
                            what
                                + " in database "
                                + database
                                + " ran past "
                                + limit.toMillis()
                                + " ms");
                    if (result.completeExceptionally(e)) {
                      synchronized (running) {
                        if (!done[0]) {
                          thread.interrupt();
                        }
                      }
                    }
                  },
                  limit.toNanos(),
                  TimeUnit.NANOSECONDS);
          try {
            result.complete(work.call());
          } catch (InterruptedException e) {
            result.completeExceptionally(e);
          } catch (Exception e) {
            result.completeExceptionally(e);
          } finally {
            timer.cancel(false);
            synchronized (running) {
              done[0] = true;
              // An interrupt meant for this task must not reach the lane's next one.
              boolean ignored = Thread.interrupted();
            }
          }
        };
    try {
      lane(database).execute(task);
    } catch (RejectedExecutionException e) {
      result.completeExceptionally(e);
    }
    return result;
  }

  @Override
  public void close() {
    lanes.values().forEach(ExecutorService::shutdownNow);
    timers.shutdownNow();
  }
}
