package io.pgwarden.supervisor;

import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A postmaster without postgres: a {@link Process} that lives until it is told to crash or until a
 * stop signal it obeys arrives, and that records every signal it receives with the time it came.
 *
 * <p>As with a real process, {@link #isAlive()} turns false before {@link #onExit()} completes,
 * which happens on another thread (the JVM's reaper, here the common pool): the supervisor can hear
 * of the exit late, and a test that fires a reload right after a crash exercises that window.
 */
final class FakePostgres extends Process {
  /** The first stop signal this postgres obeys; the earlier ones it ignores (clients stay on). */
  enum Obeys {
    SMART(Libc.SIGTERM),
    FAST(Libc.SIGINT),
    IMMEDIATE(Libc.SIGQUIT);

    final int signal;

    Obeys(int signal) {
      this.signal = signal;
    }
  }

  /** One signal received, at {@code nanos} ({@link System#nanoTime()}). */
  record Received(int signal, long nanos) {}

  private final long pid;
  private final Obeys obeys;
  private final long startedNanos = System.nanoTime();
  private final CompletableFuture<Process> exit = new CompletableFuture<>();
  private final CountDownLatch dead = new CountDownLatch(1);
  private final List<Received> received = new ArrayList<>();
  private Integer exitCode;
  private long exitNanos;

  FakePostgres(long pid, Obeys obeys) {
    this.pid = pid;
    this.obeys = obeys;
  }

  /**
   * Delivers {@code signal} if this process is alive: SIGHUP is counted, a stop signal at or after
   * the one it obeys ends it with code 0.
   *
   * @return false when it had already exited
   */
  boolean deliver(int signal) {
    synchronized (this) {
      if (exitCode != null) {
        return false;
      }
      received.add(new Received(signal, System.nanoTime()));
      if (signal == Libc.SIGHUP || rank(signal) < rank(obeys.signal)) {
        return true;
      }
    }
    exitWith(0);
    return true;
  }

  /** postgres dies on its own with {@code code}, as after a backend crash or an OOM kill. */
  void crash(int code) {
    exitWith(code);
  }

  synchronized List<Received> received() {
    return List.copyOf(received);
  }

  synchronized long reloads() {
    return received.stream().filter(r -> r.signal() == Libc.SIGHUP).count();
  }

  long startedNanos() {
    return startedNanos;
  }

  /** When it exited, by {@link System#nanoTime()}; only once it has. */
  synchronized long exitNanos() {
    if (exitCode == null) {
      throw new IllegalStateException("fake postgres " + pid + " is still running");
    }
    return exitNanos;
  }

  private static int rank(int stopSignal) {
    return stopSignal == Libc.SIGTERM ? 0 : stopSignal == Libc.SIGINT ? 1 : 2;
  }

  private void exitWith(int code) {
    synchronized (this) {
      if (exitCode != null) {
        return;
      }
      exitCode = code;
      exitNanos = System.nanoTime();
    }
    dead.countDown();
    // Error Prone's idiom for a future not awaited on purpose: nothing waits for the notice.
    CompletableFuture<Void> unused = CompletableFuture.runAsync(() -> exit.complete(this));
  }

  @Override
  public long pid() {
    return pid;
  }

  @Override
  public synchronized boolean isAlive() {
    return exitCode == null;
  }

  @Override
  public synchronized int exitValue() {
    if (exitCode == null) {
      throw new IllegalThreadStateException("fake postgres " + pid + " has not exited");
    }
    return exitCode;
  }

  @Override
  public int waitFor() throws InterruptedException {
    dead.await();
    return exitValue();
  }

  @Override
  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    return dead.await(timeout, unit);
  }

  @Override
  public CompletableFuture<Process> onExit() {
    return exit;
  }

  @Override
  public void destroy() {
    exitWith(143);
  }

  @Override
  public Process destroyForcibly() {
    exitWith(137);
    return this;
  }

  @Override
  public OutputStream getOutputStream() {
    return OutputStream.nullOutputStream();
  }

  @Override
  public InputStream getInputStream() {
    return InputStream.nullInputStream();
  }

  @Override
  public InputStream getErrorStream() {
    return InputStream.nullInputStream();
  }

  @Override
  public String toString() {
    return "fake postgres " + pid + " (obeys " + obeys + ")";
  }
}
