package io.pgwarden.logs;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;

/**
 * The single writer of stdout. Producers hand it complete JSON lines; one daemon thread drains a
 * bounded queue to the stream, a line at a time, and flushes whenever the queue runs dry (so a
 * burst costs one system call per buffer, not per line).
 *
 * <p>Nothing is dropped: when the queue is full, {@link #write} blocks until there is room
 * (back-pressure on postgres' logger, which then blocks on its FIFO, as it would on a slow disk).
 * After {@link #close}, and on the writer thread itself, lines are written synchronously. Only a
 * failing stream (stdout closed) loses lines, and those are counted in {@link #recordsDropped()}.
 */
public final class JsonLineWriter implements AutoCloseable {
  /** The default queue capacity, in lines. */
  public static final int DEFAULT_CAPACITY = 8192;

  private static final Object STOP = new Object();

  private final OutputStream out;
  private final BlockingQueue<Object> queue;
  private final Thread thread;
  private final LongAdder records = new LongAdder();
  private final LongAdder bytes = new LongAdder();
  private final LongAdder dropped = new LongAdder();
  private volatile boolean closed;

  /** A writer to {@code out} with a queue of {@code capacity} lines; its thread starts now. */
  public JsonLineWriter(OutputStream out, int capacity) {
    this.out = new BufferedOutputStream(Objects.requireNonNull(out, "out"), 64 << 10);
    if (capacity < 1) {
      throw new IllegalArgumentException("capacity must be positive: " + capacity);
    }
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.thread = new Thread(this::drain, "pgwarden-stdout");
    thread.setDaemon(true);
    thread.start();
  }

  private static final class Stdout {
    // FileDescriptor.out itself, not System.out: no PrintStream lock, no charset of the platform.
    static final JsonLineWriter INSTANCE =
        new JsonLineWriter(new FileOutputStream(FileDescriptor.out), DEFAULT_CAPACITY);
  }

  /** The process-wide writer of stdout, started on first use. */
  public static JsonLineWriter stdout() {
    return Stdout.INSTANCE;
  }

  /**
   * Queues one line ({@code jsonLine} without its newline), blocking while the queue is full. An
   * interrupt does not abandon the line: it is queued, and the interrupt status is kept.
   */
  public void write(String jsonLine) {
    Objects.requireNonNull(jsonLine, "jsonLine");
    if (closed || Thread.currentThread() == thread) {
      writeNow(jsonLine);
      return;
    }
    putUninterruptibly(jsonLine);
    if (closed) {
      // close() ran while this line was being queued: the thread may be gone, write it here.
      writeQueued();
    }
  }

  /**
   * Waits until every line queued before this call is written and flushed.
   *
   * @return false when {@code timeout} passed first
   */
  public boolean flush(Duration timeout) throws InterruptedException {
    if (closed) {
      flushNow();
      return true;
    }
    CountDownLatch done = new CountDownLatch(1);
    long deadline = System.nanoTime() + timeout.toNanos();
    if (!queue.offer(done, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return false;
    }
    if (closed) {
      writeQueued();
    }
    return done.await(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
  }

  /**
   * Writes what is queued, then stops the thread; later lines are written synchronously.
   *
   * @return false when {@code timeout} passed before the queue was drained
   */
  public boolean close(Duration timeout) throws InterruptedException {
    if (closed) {
      return true;
    }
    if (!queue.offer(STOP, timeout.toNanos(), TimeUnit.NANOSECONDS)) {
      return false;
    }
    thread.join(Math.max(1, timeout.toMillis()));
    return !thread.isAlive();
  }

  /** {@link #close(Duration)} waiting up to 30 seconds. */
  @Override
  public void close() {
    try {
      close(Duration.ofSeconds(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Lines written to the stream. */
  public long recordsWritten() {
    return records.sum();
  }

  /** Bytes written to the stream, newlines included. */
  public long bytesWritten() {
    return bytes.sum();
  }

  /** Lines lost because the stream failed; the queue itself never drops a line. */
  public long recordsDropped() {
    return dropped.sum();
  }

  private void putUninterruptibly(Object item) {
    boolean interrupted = false;
    try {
      while (true) {
        try {
          queue.put(item);
          return;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void drain() {
    try {
      while (true) {
        Object item = queue.poll();
        if (item == null) {
          flushNow();
          item = queue.take();
        }
        if (item == STOP) {
          closed = true;
          // Lines queued by producers that had not seen "closed" yet.
          writeQueued();
          return;
        }
        handle(item);
      }
    } catch (InterruptedException e) {
      // Nobody interrupts this thread but the JVM at exit; lines still queued are written by close.
      Thread.currentThread().interrupt();
    }
  }

  private synchronized void writeQueued() {
    for (Object item = queue.poll(); item != null; item = queue.poll()) {
      handle(item);
    }
    flushNow();
  }

  private void handle(Object item) {
    if (item instanceof String line) {
      writeNow(line);
    } else if (item instanceof CountDownLatch latch) {
      flushNow();
      latch.countDown();
    }
  }

  // The thread and, after close, producers write: the stream is guarded by this object's lock.
  private synchronized void writeNow(String line) {
    byte[] data = (line + "\n").getBytes(StandardCharsets.UTF_8);
    try {
      out.write(data);
      records.increment();
      bytes.add(data.length);
      if (closed) {
        out.flush();
      }
    } catch (IOException e) {
      // stdout is gone: there is nowhere left to say so.
      dropped.increment();
    }
  }

  private synchronized void flushNow() {
    try {
      out.flush();
    } catch (IOException e) {
      // Counted as dropped by the next write that fails; nowhere else to report it.
    }
  }
}
