package io.pgwarden.supervisor;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A {@link Supervisor} over a {@link FakeLauncher}, running on a thread of its own, with everything
 * its hooks and listener heard recorded for assertions. Waits are condition waits with a deadline:
 * an event that is late past it, or missing, fails the test.
 */
final class SupervisedFake implements AutoCloseable {
  /** Far longer than anything here should take, even on a loaded machine. */
  static final Duration DEADLINE = Duration.ofSeconds(10);

  /** What the shutdown hook heard: its budget, and when it ran. */
  record BeforeStop(Duration budget, long nanos) {}

  final FakeLauncher launcher;
  final Supervisor supervisor;
  final RestartPolicy restartPolicy;
  final ShutdownPolicy shutdownPolicy;
  private final List<Boolean> readyHooks = new ArrayList<>();
  private final List<Long> startedPids = new ArrayList<>();
  private final List<Boolean> startedFirst = new ArrayList<>();
  private final List<Integer> crashes = new ArrayList<>();
  private final List<BeforeStop> beforeStops = new ArrayList<>();
  private final CompletableFuture<Integer> exit = new CompletableFuture<>();

  /**
   * Starts the supervisor (and so the first fake postgres) on a new thread.
   *
   * @param background runs the ready hook, as the instance's action executor does
   */
  SupervisedFake(
      RestartPolicy restartPolicy,
      ShutdownPolicy shutdownPolicy,
      Supplier<FakePostgres.Obeys> obeys,
      ExecutorService background) {
    this(restartPolicy, shutdownPolicy, obeys, background, 0);
  }

  /**
   * As above, with the first {@code failingStarts} start attempts failing, the very first one
   * included.
   */
  SupervisedFake(
      RestartPolicy restartPolicy,
      ShutdownPolicy shutdownPolicy,
      Supplier<FakePostgres.Obeys> obeys,
      ExecutorService background,
      int failingStarts) {
    this.restartPolicy = restartPolicy;
    this.shutdownPolicy = shutdownPolicy;
    this.launcher = new FakeLauncher(obeys);
    launcher.failNext(failingStarts);
    this.supervisor =
        new Supervisor(
            launcher,
            new Children(),
            restartPolicy,
            shutdownPolicy,
            background::execute,
            first -> record(readyHooks, first),
            budget -> record(beforeStops, new BeforeStop(budget, System.nanoTime())),
            new Supervisor.Listener() {
              @Override
              public void started(long pid, boolean firstStart) {
                synchronized (SupervisedFake.this) {
                  startedPids.add(pid);
                  startedFirst.add(firstStart);
                }
              }

              @Override
              public void crashed(int code) {
                launcher.exitHandled();
                record(crashes, code);
              }
            });
    Thread loop =
        new Thread(
            () -> {
              try {
                exit.complete(supervisor.run());
              } catch (Throwable t) {
                exit.completeExceptionally(t);
              }
            },
            "supervisor-under-test");
    loop.setDaemon(true);
    loop.start();
  }

  private <T> void record(List<T> list, T value) {
    synchronized (this) {
      list.add(value);
    }
  }

  synchronized List<Boolean> readyHooks() {
    return List.copyOf(readyHooks);
  }

  synchronized List<Long> startedPids() {
    return List.copyOf(startedPids);
  }

  synchronized List<Boolean> startedFirst() {
    return List.copyOf(startedFirst);
  }

  synchronized List<Integer> crashes() {
    return List.copyOf(crashes);
  }

  synchronized List<BeforeStop> beforeStops() {
    return List.copyOf(beforeStops);
  }

  /** Waits until {@code condition} holds, failing with {@code what} past {@link #DEADLINE}. */
  static void until(String what, BooleanSupplier condition) {
    await(what)
        .atMost(DEADLINE)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(1))
        .until(condition::getAsBoolean);
  }

  /**
   * Waits until {@code condition} holds while the supervisor runs; fails with {@code what} past
   * {@link #DEADLINE}, or at once, with the reason, when run() has returned or thrown.
   */
  void whileRunning(String what, BooleanSupplier condition) throws Exception {
    until(what, () -> condition.getAsBoolean() || exit.isDone());
    if (!condition.getAsBoolean()) {
      throw new AssertionError(what + " never came: run() returned " + awaitExitCode());
    }
  }

  /** Waits for {@link Supervisor#run()} to return, and returns what it did. */
  int awaitExitCode() throws Exception {
    return exit.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
  }

  boolean returned() {
    return exit.isDone();
  }

  /** Waits for the {@code n}th successful start and for its ready hook. */
  FakePostgres awaitStarted(int n) throws Exception {
    whileRunning("postgres start #" + n, () -> launcher.started() >= n && readyHooks().size() >= n);
    return launcher.newest().orElseThrow();
  }

  /** Ends a test that failed half-way: nothing of it may outlive it. */
  @Override
  public void close() throws ExecutionException, TimeoutException {
    if (!exit.isDone()) {
      supervisor.requestShutdown("test over");
      try {
        exit.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
