package io.pgwarden.logs;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Streams PostgreSQL csvlog records out of bytes: fields separated by commas, optionally quoted
 * with {@code "}, {@code ""} inside quotes standing for one quote; a record ends at a newline
 * outside quotes, so fields may hold newlines. This is the format of {@code write_csvlog} in
 * postgres' {@code src/backend/utils/error/csvlog.c}.
 *
 * <p>Fields have no length limit of their own: a 2 MiB statement comes through whole. Memory is
 * guarded by a per-record cap ({@link #DEFAULT_MAX_RECORD_BYTES}): a record larger than that is
 * returned as a single field holding its first bytes in CSV form, with {@link #truncated()} true,
 * and the rest of it is skipped up to its end (the next newline outside quotes; should quotes never
 * close within another cap's worth of bytes, the next newline at all). Bytes are decoded as UTF-8;
 * malformed sequences become U+FFFD, never an exception. Not thread safe.
 */
public final class CsvRecordReader {
  /** The default cap on the size of one record. */
  public static final int DEFAULT_MAX_RECORD_BYTES = 64 << 20;

  private static final int FIELD_START = 0;
  private static final int UNQUOTED = 1;
  private static final int QUOTED = 2;
  private static final int QUOTE_IN_QUOTED = 3;
  private static final int SMALL_FIELD = 8 << 10;

  private final InputStream in;
  private final int maxRecordBytes;
  private final byte[] buf = new byte[64 << 10];
  private int pos;
  private int limit;

  private byte[] field = new byte[SMALL_FIELD];
  private int fieldLen;
  private long recordBytes;
  private boolean skipping;
  private String truncatedText;
  private boolean truncated;
  private List<String> record = new ArrayList<>(26);

  public CsvRecordReader(InputStream in) {
    this(in, DEFAULT_MAX_RECORD_BYTES);
  }

  /** A reader capping records at {@code maxRecordBytes} (1 B to 1 GiB). */
  public CsvRecordReader(InputStream in, int maxRecordBytes) {
    this.in = Objects.requireNonNull(in, "in");
    if (maxRecordBytes < 1 || maxRecordBytes > 1 << 30) {
      throw new IllegalArgumentException("maxRecordBytes out of range: " + maxRecordBytes);
    }
    this.maxRecordBytes = maxRecordBytes;
  }

  /** Whether the record last returned by {@link #next()} was cut at the cap. */
  public boolean truncated() {
    return truncated;
  }

  /**
   * The next record, or null at the end of the stream. A last record without its final newline is
   * returned as it is. Empty lines are skipped.
   */
  public List<String> next() throws IOException {
    record = new ArrayList<>(26);
    truncated = false;
    skipping = false;
    truncatedText = null;
    recordBytes = 0;
    fieldLen = 0;
    if (field.length > SMALL_FIELD << 7) {
      field = new byte[SMALL_FIELD]; // do not keep a huge buffer after a huge record
    }
    int state = FIELD_START;
    boolean started = false;
    while (true) {
      if (pos == limit && !fill()) {
        if (!started) {
          return null;
        }
        endField();
        return finish();
      }
      switch (state) {
        case FIELD_START -> {
          byte b = buf[pos];
          if (b == '\n' && !started) {
            pos++; // an empty line
            continue;
          }
          started = true;
          if (b == '"') {
            pos++;
            state = QUOTED;
          } else if (b == ',') {
            pos++;
            endField();
          } else if (b == '\n') {
            pos++;
            endField();
            return finish();
          } else {
            state = UNQUOTED;
          }
        }
        case UNQUOTED -> {
          int start = pos;
          while (pos < limit && buf[pos] != ',' && buf[pos] != '\n') {
            pos++;
          }
          append(start, pos - start);
          if (pos < limit) {
            byte b = buf[pos++];
            endField();
            if (b == '\n') {
              return finish();
            }
            state = FIELD_START;
          }
        }
        case QUOTED -> {
          int start = pos;
          if (skipping) {
            while (pos < limit && buf[pos] != '"') {
              if (buf[pos] == '\n' && recordBytes + pos - start > 2L * maxRecordBytes) {
                // Quotes that do not close: resynchronise at this newline.
                pos++;
                return finish();
              }
              pos++;
            }
          } else {
            // Stop one byte past the cap, so that skipping (and resynchronising) starts there.
            long room = Math.max(0, maxRecordBytes - recordBytes) + 1L;
            int end = (int) Math.min(limit, pos + room);
            while (pos < end && buf[pos] != '"') {
              pos++;
            }
          }
          append(start, pos - start);
          if (pos < limit && buf[pos] == '"') {
            pos++;
            state = QUOTE_IN_QUOTED;
          }
        }
        case QUOTE_IN_QUOTED -> {
          byte b = buf[pos];
          if (b == '"') {
            append(pos, 1);
            pos++;
            state = QUOTED;
          } else if (b == ',') {
            pos++;
            endField();
            state = FIELD_START;
          } else if (b == '\n') {
            pos++;
            endField();
            return finish();
          } else {
            state = UNQUOTED; // not valid CSV: keep the byte as part of the field
          }
        }
        default -> throw new IllegalStateException("state " + state);
      }
    }
  }

  private boolean fill() throws IOException {
    int n;
    do {
      n = in.read(buf, 0, buf.length);
    } while (n == 0);
    pos = 0;
    limit = Math.max(n, 0);
    return n > 0;
  }

  private void append(int off, int len) {
    long before = recordBytes;
    recordBytes += len;
    if (skipping || len == 0) {
      return;
    }
    int keep = recordBytes > maxRecordBytes ? (int) (maxRecordBytes - before) : len;
    if (fieldLen + keep > field.length) {
      field = Arrays.copyOf(field, Math.max(fieldLen + keep, field.length * 2));
    }
    System.arraycopy(buf, off, field, fieldLen, keep);
    fieldLen += keep;
    if (keep < len) {
      // Over the cap: keep what was read as text and skip the rest of the record.
      record.add(new String(field, 0, fieldLen, StandardCharsets.UTF_8));
      truncatedText = CsvText.join(record);
      fieldLen = 0;
      skipping = true;
    }
  }

  private void endField() {
    if (!skipping) {
      record.add(new String(field, 0, fieldLen, StandardCharsets.UTF_8));
    }
    fieldLen = 0;
  }

  private List<String> finish() {
    if (skipping) {
      truncated = true;
      return List.of(truncatedText);
    }
    return record;
  }
}
