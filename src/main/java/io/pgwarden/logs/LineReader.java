package io.pgwarden.logs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;

/**
 * Streams newline-terminated text lines out of bytes, decoded as UTF-8 (malformed sequences become
 * U+FFFD). Lines have no length limit of their own; a line longer than the cap ({@link
 * #DEFAULT_MAX_LINE_BYTES}) comes out in pieces of the cap's size, each with {@link #truncated()}
 * true except the last, so that nothing is lost. A trailing {@code \r} is removed. Not thread safe.
 */
public final class LineReader {
  /** The default cap on the size of one line. */
  public static final int DEFAULT_MAX_LINE_BYTES = 64 << 20;

  private static final int SMALL_LINE = 8 << 10;

  private final InputStream in;
  private final int maxLineBytes;
  private final byte[] buf = new byte[64 << 10];
  private int pos;
  private int limit;
  private byte[] line = new byte[SMALL_LINE];
  private int lineLen;
  private boolean truncated;

  public LineReader(InputStream in) {
    this(in, DEFAULT_MAX_LINE_BYTES);
  }

  /** A reader cutting lines at {@code maxLineBytes} (1 B to 1 GiB). */
  public LineReader(InputStream in, int maxLineBytes) {
    this.in = Objects.requireNonNull(in, "in");
    if (maxLineBytes < 1 || maxLineBytes > 1 << 30) {
      throw new IllegalArgumentException("maxLineBytes out of range: " + maxLineBytes);
    }
    this.maxLineBytes = maxLineBytes;
  }

  /** Whether the line last returned was cut at the cap (its rest comes next). */
  public boolean truncated() {
    return truncated;
  }

  /** The next line without its newline, or null at the end of the stream. */
  public String next() throws IOException {
    truncated = false;
    lineLen = 0;
    if (line.length > SMALL_LINE << 7) {
      line = new byte[SMALL_LINE];
    }
    boolean started = false;
    while (true) {
      if (pos == limit) {
        int n;
        do {
          n = in.read(buf, 0, buf.length);
        } while (n == 0);
        pos = 0;
        limit = Math.max(n, 0);
        if (n < 0) {
          return started ? text() : null;
        }
      }
      started = true;
      int start = pos;
      int end = Math.min(limit, start + (maxLineBytes - lineLen));
      while (pos < end && buf[pos] != '\n') {
        pos++;
      }
      copy(start, pos - start);
      if (pos < limit && buf[pos] == '\n') {
        pos++;
        return text();
      }
      if (lineLen == maxLineBytes) {
        truncated = true;
        return text();
      }
    }
  }

  private void copy(int off, int len) {
    if (lineLen + len > line.length) {
      line = Arrays.copyOf(line, Math.max(lineLen + len, line.length * 2));
    }
    System.arraycopy(buf, off, line, lineLen, len);
    lineLen += len;
  }

  private String text() {
    int len = lineLen;
    if (!truncated && len > 0 && line[len - 1] == '\r') {
      len--;
    }
    return new String(line, 0, len, StandardCharsets.UTF_8);
  }
}
