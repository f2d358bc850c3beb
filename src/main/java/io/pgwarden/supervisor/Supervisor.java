package io.pgwarden.supervisor;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalLong;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one loop that owns the postgres process. Everything that happens to postgres arrives as an
 * {@link Event} and is handled here, one at a time, on the supervisor's own thread, so that a
 * restart never races a shutdown.
 *
 * <p>Every postgres is started from the thread that calls {@link #run()}, and {@link
 * PostgresLauncher} asks the kernel to send it SIGINT (a fast shutdown) when its parent dies: for
 * Linux that parent is this very thread, not the JVM, so {@code run()} must be called on a thread
 * that lives until it returns (the caller's own, never a pool's).
 */
public final class Supervisor {
  private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
  private static final Duration TICK = Duration.ofSeconds(1);
  private static final Duration IMMEDIATE_GRACE = Duration.ofSeconds(10);

  /** What the loop reacts to. */
  public sealed interface Event {}

  /** The process with {@code pid} exited with {@code code}. */
  record PostgresExited(long pid, int code) implements Event {}

  /** SIGTERM or SIGINT (or a test): stop postgres and return. */
  record ShutdownRequested(String reason) implements Event {}

  /** The configuration changed on disk: tell postgres (SIGHUP). */
  record ReloadRequested() implements Event {}

  /** SIGCHLD: an orphan may have become a zombie. */
  record ReapRequested() implements Event {}

  /** Work to run once postgres accepts connections (bootstrap SQL, passwords). */
  public interface ReadyHook {
    @SuppressFBWarnings(
        value = "THROWS_METHOD_THROWS_CLAUSE_BASIC_EXCEPTION",
        justification =
            "the hook is the caller's code (SQL, files); the supervisor logs whatever it throws and carries on")
    void onReady(boolean firstStart) throws Exception;
  }

  /** Work to run before a smart shutdown, such as a CHECKPOINT; bounded by the caller. */
  public interface ShutdownHook {
    @SuppressFBWarnings(
        value = "THROWS_METHOD_THROWS_CLAUSE_BASIC_EXCEPTION",
        justification =
            "the hook is the caller's code (a CHECKPOINT); the supervisor logs whatever it throws and stops anyway")
    void beforeStop(Duration budget) throws Exception;
  }

  /** Hears of starts and crashes (Events in Kubernetes); called on the loop, must not block. */
  public interface Listener {
    default void started(long pid, boolean firstStart) {}

    default void crashed(int code) {}
  }

  private final BlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Launcher launcher;
  private final Children children;
  private final RestartPolicy restartPolicy;
  private final ShutdownPolicy shutdownPolicy;
  private final Consumer<Runnable> background;
  private final ReadyHook readyHook;
  private final ShutdownHook shutdownHook;
  private final Listener listener;

  private volatile Instant lastTick = Instant.now();
  private volatile Process postgres;
  private final AtomicLong restarts = new AtomicLong();
  private int crashesInARow;
  private Instant startedAt = Instant.EPOCH;
  private Instant restartAt;

  /**
   * @param background runs the ready hook off the loop (it talks to postgres and may block)
   * @param listener hears of starts and crashes
   */
  public Supervisor(
      Launcher launcher,
      Children children,
      RestartPolicy restartPolicy,
      ShutdownPolicy shutdownPolicy,
      Consumer<Runnable> background,
      ReadyHook readyHook,
      ShutdownHook shutdownHook,
      Listener listener) {
    this.launcher = launcher;
    this.children = children;
    this.restartPolicy = restartPolicy;
    this.shutdownPolicy = shutdownPolicy;
    this.background = background;
    this.readyHook = readyHook;
    this.shutdownHook = shutdownHook;
    this.listener = listener;
  }

  public void requestShutdown(String reason) {
    events.add(new ShutdownRequested(reason));
  }

  public void requestReload() {
    events.add(new ReloadRequested());
  }

  public void requestReap() {
    events.add(new ReapRequested());
  }

  /** When the loop last ran: liveness fails only when this is stale. */
  public Instant lastTick() {
    return lastTick;
  }

  /** How many times postgres was restarted after a crash. */
  public long restarts() {
    return restarts.get();
  }

  public OptionalLong postmasterPid() {
    Process p = postgres;
    return p == null || !p.isAlive() ? OptionalLong.empty() : OptionalLong.of(p.pid());
  }

  /**
   * Starts postgres and supervises it until a shutdown completes (returns 0) or, under {@link
   * RestartPolicy#exitOnCrash()}, postgres crashes or cannot be started at all (returns 1: the
   * kubelet restarts the container, with its own backoff). Under a restarting policy a failed start
   * is retried with the same backoff as a crash.
   */
  public int run() throws InterruptedException {
    if (!start(true) && !restartPolicy.restart()) {
      return 1;
    }
    while (true) {
      Event event = events.poll(untilNextDeadline().toMillis(), TimeUnit.MILLISECONDS);
      lastTick = Instant.now();
      if (event == null) {
        // Periodic: catch orphans whose SIGCHLD was coalesced, and restarts that are due.
        children.reapOrphans();
        if (restartAt != null && !lastTick.isBefore(restartAt)) {
          restartAt = null;
          restarts.incrementAndGet();
          if (!start(false) && !restartPolicy.restart()) {
            return 1;
          }
        }
        continue;
      }
      if (event instanceof PostgresExited exited) {
        if (onExit(exited)) {
          return 1;
        }
      } else if (event instanceof ShutdownRequested shutdown) {
        log.info("shutdown requested: {}", shutdown.reason());
        stop();
        return 0;
      } else if (event instanceof ReloadRequested) {
        Process p = postgres;
        if (p != null) {
          launcher.signal(p, Libc.SIGHUP);
        }
      } else if (event instanceof ReapRequested) {
        children.reapOrphans();
      }
    }
  }

  /**
   * postgres exited without being asked to: a crash, or a stop from outside pgwarden.
   *
   * @return true when pgwarden must exit (Kubernetes policy)
   */
  private boolean onExit(PostgresExited exited) {
    Process p = postgres;
    if (p == null || p.pid() != exited.pid()) {
      return false; // a process we already gave up on
    }
    postgres = null;
    children.reapOrphans();
    listener.crashed(exited.code());
    if (!restartPolicy.restart()) {
      // Kubernetes: restart_after_crash is off and the kubelet restarts the container.
      log.error(
          "postgres exited unexpectedly with code {}; exiting so the kubelet restarts the container",
          exited.code());
      return true;
    }
    scheduleRestart(exited.code());
    return false;
  }

  private Duration untilNextDeadline() {
    if (restartAt == null) {
      return TICK;
    }
    Duration left = Duration.between(Instant.now(), restartAt);
    if (left.isNegative()) {
      return Duration.ZERO;
    }
    return left.compareTo(TICK) < 0 ? left : TICK;
  }

  private void scheduleRestart(int code) {
    // A run that lasted long enough was healthy: the next crash starts the backoff again.
    if (Duration.between(startedAt, Instant.now()).compareTo(restartPolicy.stableAfter()) >= 0) {
      crashesInARow = 0;
    }
    Duration delay = restartPolicy.delay(crashesInARow++);
    restartAt = Instant.now().plus(delay);
    log.error(
        "postgres exited unexpectedly with code {}; restarting it in {} ms (crash {} in a row)",
        code,
        delay.toMillis(),
        crashesInARow);
  }

  /**
   * Starts postgres; when it cannot be started, schedules the next attempt (restarting policy) or
   * leaves the exit to the caller.
   *
   * @return false when the start failed
   */
  @SuppressFBWarnings(
      value = "DLS_DEAD_LOCAL_STORE",
      justification =
          "the unused local is Error Prone's FutureReturnValueIgnored idiom: the future is not"
              + " awaited on purpose")
  private boolean start(boolean firstStart) {
    Process p;
    try {
      p = launcher.start();
    } catch (IOException e) {
      if (!restartPolicy.restart()) {
        // Kubernetes: without a delay the next attempt would fail the same way at once, in a
        // tight loop; the kubelet restarts the container with a backoff of its own.
        log.error(
            "could not start postgres: {}; exiting so the kubelet restarts the container",
            e.getMessage());
        return false;
      }
      log.error("could not start postgres: {}", e.getMessage());
      scheduleRestart(-1);
      return false;
    }
    postgres = p;
    startedAt = Instant.now();
    log.info("postgres started with pid {}", p.pid());
    listener.started(p.pid(), firstStart);
    long pid = p.pid();
    CompletableFuture<Void> unused =
        p.onExit().thenAccept(done -> events.add(new PostgresExited(pid, done.exitValue())));
    background.accept(() -> awaitReadyThenHook(p, firstStart));
    return true;
  }

  private void awaitReadyThenHook(Process p, boolean firstStart) {
    try {
      while (p.isAlive() && !launcher.acceptsConnections(p)) {
        Thread.sleep(10);
      }
      if (p.isAlive()) {
        log.info("postgres is accepting connections");
        readyHook.onReady(firstStart);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      if (p.isAlive()) {
        log.error("while running the steps after postgres became ready: {}", e.toString());
      }
    }
  }

  /**
   * CHECKPOINT (so the later stop has little to flush), smart stop for at most the smart timeout,
   * fast stop for what remains of the stop delay, then immediate; a second shutdown request during
   * the smart phase skips to fast, as a second Ctrl-C should.
   */
  private void stop() throws InterruptedException {
    restartAt = null;
    Process p = postgres;
    if (p == null || !p.isAlive()) {
      log.info("postgres is not running; nothing to stop");
      return;
    }
    Instant deadline = Instant.now().plus(shutdownPolicy.stopDelay());
    Duration smart = shutdownPolicy.smartTimeout();
    try {
      shutdownHook.beforeStop(smart);
    } catch (Exception e) {
      log.warn("CHECKPOINT before shutdown failed, stopping anyway: {}", e.toString());
    }
    log.info("smart shutdown, for at most {} s", smart.toSeconds());
    launcher.signal(p, Libc.SIGTERM);
    if (awaitExit(p, min(smart, Duration.between(Instant.now(), deadline)), true)) {
      return;
    }
    log.info("fast shutdown");
    launcher.signal(p, Libc.SIGINT);
    if (awaitExit(p, Duration.between(Instant.now(), deadline), false)) {
      return;
    }
    log.warn("postgres did not stop within the stop delay; immediate shutdown");
    launcher.signal(p, Libc.SIGQUIT);
    if (!awaitExit(p, IMMEDIATE_GRACE, false)) {
      p.destroyForcibly();
      p.waitFor();
    }
  }

  /**
   * Waits for {@code p} to exit, ticking the liveness clock each second.
   *
   * @param interruptible a new shutdown request ends the wait early
   * @return true when it exited
   */
  private boolean awaitExit(Process p, Duration budget, boolean interruptible)
      throws InterruptedException {
    Instant until = Instant.now().plus(budget.isNegative() ? Duration.ZERO : budget);
    while (true) {
      Duration left = Duration.between(Instant.now(), until);
      if (left.isNegative() || left.isZero()) {
        return !p.isAlive();
      }
      if (p.waitFor(Math.min(left.toMillis(), TICK.toMillis()), TimeUnit.MILLISECONDS)) {
        log.info("postgres stopped with code {}", p.exitValue());
        postgres = null;
        children.reapOrphans();
        return true;
      }
      lastTick = Instant.now();
      Event e = events.poll();
      if (interruptible && e instanceof ShutdownRequested) {
        return false;
      }
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }
}
