package io.pgwarden.logs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reads one log FIFO continuously and hands each record to the {@link JsonLineWriter}: the csvlog
 * FIFO ({@link #csv}) record by record, the FIFO of postgres' other output ({@link #raw}) line by
 * line. The FIFO itself is made by the supervisor ({@code mkfifo}).
 *
 * <p>The FIFO is opened for reading <em>and writing</em>: opening never waits for a writer, and
 * since this process holds a write end, a read never sees end-of-file when postgres closes it or
 * restarts; a read simply waits for the next record (as CloudNativePG's {@code logpipe} does).
 *
 * <p>{@link #stop} first lets the thread drain what is already in the pipe: it waits until the
 * thread has been blocked in {@code read} for a moment with nothing coming (a read on a pipe
 * holding data does not block). It then closes the channel; a {@link FileChannel} is interruptible,
 * so closing it wakes the blocked read with an {@code AsynchronousCloseException}, which the reader
 * takes as the end of its stream (a partial record still buffered is emitted). Accepted race: bytes
 * a writer puts into the pipe during that moment are lost; the supervisor stops the readers only
 * after postgres has exited.
 */
public final class FifoReader {
  private static final Duration QUIET = Duration.ofMillis(50);

  private final Path path;
  private final boolean csv;
  private final LogLine logLine;
  private final JsonLineWriter writer;
  private final Object lock = new Object();
  private FifoStream stream;
  private Thread thread;

  private FifoReader(Path path, boolean csv, LogLine logLine, JsonLineWriter writer) {
    this.path = Objects.requireNonNull(path, "path");
    this.csv = csv;
    this.logLine = Objects.requireNonNull(logLine, "logLine");
    this.writer = Objects.requireNonNull(writer, "writer");
  }

  /** A reader of the csvlog FIFO ({@code /controller/log/postgres.csv}). */
  public static FifoReader csv(Path path, LogLine logLine, JsonLineWriter writer) {
    return new FifoReader(path, true, logLine, writer);
  }

  /** A reader of the FIFO of postgres' non-CSV output ({@code /controller/log/postgres}). */
  public static FifoReader raw(Path path, LogLine logLine, JsonLineWriter writer) {
    return new FifoReader(path, false, logLine, writer);
  }

  public Path path() {
    return path;
  }

  /**
   * Opens the FIFO and starts the reading thread. Returns only once the FIFO is open, so postgres
   * may be started as soon as both readers returned.
   *
   * @throws IOException when the FIFO cannot be opened (missing: {@code NoSuchFileException})
   */
  public void start() throws IOException {
    synchronized (lock) {
      if (thread != null) {
        throw new IllegalStateException("already started: " + path);
      }
      FileChannel channel =
          FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
      stream = new FifoStream(channel);
      thread = new Thread(this::run, "pgwarden-log-" + path.getFileName());
      thread.setDaemon(true);
      thread.start();
    }
  }

  /**
   * Drains what is in the pipe (waiting at most {@code timeout} for that), closes the FIFO and
   * waits for the thread to end.
   *
   * @return false when the thread had not ended within {@code timeout}
   */
  public boolean stop(Duration timeout) throws InterruptedException {
    FifoStream s;
    Thread t;
    synchronized (lock) {
      s = stream;
      t = thread;
    }
    if (t == null) {
      return true;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    s.awaitIdle(QUIET, deadline);
    s.close();
    t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
    return !t.isAlive();
  }

  private void run() {
    String source = path.toString();
    try {
      if (csv) {
        CsvRecordReader reader = new CsvRecordReader(stream);
        for (List<String> r = reader.next(); r != null; r = reader.next()) {
          writer.write(
              reader.truncated()
                  ? logLine.raw(r.get(0), source, true)
                  : logLine.csvRecord(r, source));
        }
      } else {
        LineReader reader = new LineReader(stream);
        for (String line = reader.next(); line != null; line = reader.next()) {
          writer.write(logLine.raw(line, source, reader.truncated()));
        }
      }
    } catch (IOException e) {
      writer.write(
          logLine.line(
              LogLevel.ERROR,
              LogLine.INSTANCE_MANAGER,
              "while reading the log FIFO " + source + ": its lines are lost from now on",
              null,
              e));
    } finally {
      stream.close();
    }
  }

  /**
   * The FIFO as an InputStream that ends quietly once closed, and that tells whether its reader is
   * waiting in {@code read}.
   */
  private static final class FifoStream extends InputStream {
    private final FileChannel channel;
    private volatile boolean closing;
    private volatile boolean inRead;
    private final AtomicLong reads = new AtomicLong();

    FifoStream(FileChannel channel) {
      this.channel = channel;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n <= 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (closing) {
        return -1;
      }
      inRead = true;
      try {
        return channel.read(ByteBuffer.wrap(b, off, len));
      } catch (ClosedChannelException e) {
        if (closing) {
          return -1;
        }
        throw e;
      } finally {
        inRead = false;
        reads.incrementAndGet();
      }
    }

    /** Waits until the reader has been blocked in read for {@code quiet}, or the deadline. */
    void awaitIdle(Duration quiet, long deadline) throws InterruptedException {
      long step = Math.max(1, quiet.toMillis() / 5);
      long idleSince = -1;
      long seen = reads.get();
      while (System.nanoTime() < deadline) {
        long now = System.nanoTime();
        long r = reads.get();
        if (inRead && r == seen) {
          if (idleSince < 0) {
            idleSince = now;
          } else if (now - idleSince >= quiet.toNanos()) {
            return;
          }
        } else {
          idleSince = -1;
          seen = r;
        }
        Thread.sleep(step);
      }
    }

    @Override
    public void close() {
      closing = true;
      try {
        channel.close();
      } catch (IOException e) {
        // Closing a pipe has nothing to flush; nothing to report.
      }
    }
  }
}
