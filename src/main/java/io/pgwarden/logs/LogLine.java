package io.pgwarden.logs;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Renders the JSON shapes of the log contract (CONTRACT.md, "Logs"). Every line starts with {@code
 * level}, {@code ts}, {@code logger}, {@code msg}; rendering is pure apart from reading the clock.
 */
public final class LogLine {
  /** The {@code logger} of pgwarden's own lines. */
  public static final String INSTANCE_MANAGER = "instance-manager";

  /** The {@code logger} of lines read from postgres. */
  public static final String POSTGRES = "postgres";

  /** The {@code logger} of pgaudit records. */
  public static final String PGAUDIT = "pgaudit";

  // RFC 3339 in UTC, always nine fraction digits so that lines sort as text.
  private static final DateTimeFormatter TS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

  private final LogContext context;
  private final Clock clock;

  public LogLine(LogContext context) {
    this(context, Clock.systemUTC());
  }

  public LogLine(LogContext context, Clock clock) {
    this.context = Objects.requireNonNull(context, "context");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  public LogContext context() {
    return context;
  }

  /**
   * A line of pgwarden itself or of a library: {@code fields} follow {@code logging_pod} in
   * iteration order (values through {@link String#valueOf(Object)}); a throwable adds {@code error}
   * (its message chain) and {@code stacktrace}.
   */
  public String line(
      LogLevel level, String logger, String msg, Map<String, ?> fields, Throwable error) {
    JsonText.ObjectBuilder b = start(level.jsonName(), logger, msg).field("logging_pod", pod());
    if (fields != null) {
      for (Map.Entry<String, ?> e : fields.entrySet()) {
        b.field(e.getKey(), String.valueOf(e.getValue()));
      }
    }
    if (error != null) {
      b.field("error", messageChain(error)).field("stacktrace", stackTrace(error));
    }
    return b.build();
  }

  /** A pgwarden line with {@code logger: "instance-manager"}. */
  public String instanceManager(LogLevel level, String msg, Map<String, ?> fields) {
    return line(level, INSTANCE_MANAGER, msg, fields, null);
  }

  /**
   * One csvlog record. A record with a column count no PostgreSQL version writes is kept as a
   * {@link #raw raw line} of its CSV text, so that nothing is lost.
   *
   * @param source the FIFO the record came from, named in the raw fallback
   */
  public String csvRecord(List<String> fields, String source) {
    List<String> names = CsvColumns.forCount(fields.size());
    if (names == null) {
      return raw(CsvText.join(fields), source, false);
    }
    String message = fields.get(CsvColumns.MESSAGE);
    boolean audit = PgAudit.isAudit(message);
    JsonText.ObjectBuilder b =
        start("info", audit ? PGAUDIT : POSTGRES, "record")
            .field("logging_pod", pod())
            .beginObject("record");
    for (int i = 0; i < names.size(); i++) {
      // pgaudit: the parsed audit object takes the place of the message (as in CloudNativePG).
      if (!(audit && i == CsvColumns.MESSAGE)) {
        b.fieldIfNotEmpty(names.get(i), fields.get(i));
      }
    }
    if (audit) {
      List<String> values = PgAudit.parse(message);
      b.beginObject("audit");
      for (int i = 0; i < values.size(); i++) {
        b.fieldIfNotEmpty(PgAudit.FIELDS.get(i), values.get(i));
      }
      b.endObject();
    }
    return b.endObject().build();
  }

  /**
   * A line postgres wrote outside csvlog, or a record that could not be parsed; {@code truncated}
   * adds {@code "truncated":"true"} when the reader had to cut it (see {@link CsvRecordReader}).
   */
  public String raw(String line, String source, boolean truncated) {
    JsonText.ObjectBuilder b =
        start("info", POSTGRES, line).field("source", source).field("logging_pod", pod());
    if (truncated) {
      b.field("truncated", "true");
    }
    return b.build();
  }

  /** A line of output of a command pgwarden runs: level info for stdout, error for stderr. */
  public String commandOutput(String command, String line, boolean stderr) {
    return start(stderr ? "error" : "info", command, line).field("logging_pod", pod()).build();
  }

  /** The current time as written in {@code ts}. */
  public String timestamp() {
    return TS.format(clock.instant());
  }

  private JsonText.ObjectBuilder start(String level, String logger, String msg) {
    return JsonText.object()
        .field("level", level)
        .field("ts", timestamp())
        .field("logger", logger)
        .field("msg", msg);
  }

  private String pod() {
    return context.podName();
  }

  /** Messages of {@code t} and its causes, outermost first, joined by {@code ": "}. */
  static String messageChain(Throwable t) {
    StringBuilder sb = new StringBuilder();
    String previous = null;
    int depth = 0;
    for (Throwable c = t; c != null && depth < 32; c = c.getCause(), depth++) {
      String m = c.getMessage() == null ? c.getClass().getName() : c.getMessage();
      // new X(cause) copies cause.toString() into its message: do not say it twice.
      if (previous != null && previous.equals(c.toString())) {
        continue;
      }
      if (sb.length() > 0) {
        sb.append(": ");
      }
      sb.append(m);
      previous = m;
    }
    return sb.toString();
  }

  @SuppressFBWarnings(
      value = "INFORMATION_EXPOSURE_THROUGH_AN_ERROR_MESSAGE",
      justification = "the stacktrace field of the log contract; goes to the pod log, not a client")
  private static String stackTrace(Throwable t) {
    StringWriter sw = new StringWriter();
    try (PrintWriter pw = new PrintWriter(sw)) {
      t.printStackTrace(pw);
    }
    return sw.toString();
  }
}
