package io.pgwarden.logs;

import edu.umd.cs.findbugs.annotations.SuppressFBWarnings;
import java.util.Objects;

/**
 * Process-wide settings of the SLF4J provider: the level, the pod name and where lines go. Set them
 * once at start, before the components that log are built; they may change later (a level change
 * takes effect on the next call).
 *
 * <p>Loggers of pgwarden ({@code io.pgwarden.*}) log at the level set. Library loggers (netty,
 * fabric8, pgjdbc) log at warning or above, unless the level is debug or trace, which opens them
 * too.
 */
public final class JsonLogging {
  private static volatile LogLevel level = LogLevel.INFO;
  private static volatile LogLine logLine = new LogLine(new LogContext(defaultPodName()));
  private static volatile JsonLineWriter writer;

  private JsonLogging() {}

  /**
   * Sets the level from the value of {@code --log-level}.
   *
   * @throws IllegalArgumentException naming {@code --log-level} for anything but error, warning,
   *     info, debug, trace (in any case)
   */
  public static void setLevel(String value) {
    setLevel(LogLevel.parse(value));
  }

  public static void setLevel(LogLevel newLevel) {
    level = Objects.requireNonNull(newLevel, "level");
  }

  public static LogLevel level() {
    return level;
  }

  /** Sets {@code logging_pod} of every line from now on. */
  public static void setPodName(String podName) {
    logLine = new LogLine(new LogContext(podName));
  }

  /** Sends lines to {@code target} instead of {@link JsonLineWriter#stdout()} (tests). */
  @SuppressFBWarnings(
      value = "EI_EXPOSE_STATIC_REP2",
      justification = "the writer is a shared sink by design, not state to copy")
  public static void setWriter(JsonLineWriter target) {
    writer = target;
  }

  /** The renderer of lines, with the current pod name. */
  public static LogLine logLine() {
    return logLine;
  }

  static JsonLineWriter writer() {
    JsonLineWriter w = writer;
    return w != null ? w : JsonLineWriter.stdout();
  }

  /** The level below which {@code loggerName} is silent. */
  static LogLevel threshold(String loggerName) {
    LogLevel l = level;
    if (isPgwarden(loggerName) || l.compareTo(LogLevel.DEBUG) <= 0) {
      return l;
    }
    return l.compareTo(LogLevel.WARNING) < 0 ? LogLevel.WARNING : l;
  }

  static boolean isPgwarden(String loggerName) {
    return loggerName.startsWith("io.pgwarden.") || loggerName.equals("io.pgwarden");
  }

  private static String defaultPodName() {
    String pod = System.getenv("POD_NAME");
    return pod == null ? "" : pod;
  }
}
