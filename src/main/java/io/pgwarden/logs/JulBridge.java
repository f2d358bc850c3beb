package io.pgwarden.logs;

import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * Routes java.util.logging (pgjdbc logs there) into SLF4J, hence into the JSON lines: {@link
 * #install()} replaces the handlers of the JUL root logger with this one.
 */
public final class JulBridge extends Handler {
  // Only its formatMessage is used: JUL's {0} parameters and resource bundles.
  private static final Formatter MESSAGES =
      new Formatter() {
        @Override
        public String format(LogRecord record) {
          return formatMessage(record);
        }
      };

  private JulBridge() {}

  /**
   * Makes this bridge the only handler of the JUL root logger, which is set to let through what
   * {@link JsonLogging#level()} lets through. Call it again after changing the level.
   */
  public static void install() {
    Logger root = LogManager.getLogManager().getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    root.addHandler(new JulBridge());
    root.setLevel(toJul(JsonLogging.level()));
  }

  @Override
  public void publish(LogRecord record) {
    if (record == null) {
      return;
    }
    String name = record.getLoggerName() == null ? "jul" : record.getLoggerName();
    org.slf4j.Logger logger = LoggerFactory.getLogger(name);
    org.slf4j.event.Level level = toSlf4j(record.getLevel());
    if (!logger.isEnabledForLevel(level)) {
      return;
    }
    LoggingEventBuilder event = logger.atLevel(level).setCause(record.getThrown());
    event.log(MESSAGES.formatMessage(record));
  }

  @Override
  public void flush() {
    // Lines go to the JsonLineWriter, which flushes itself.
  }

  @Override
  public void close() {
    // Nothing to release.
  }

  static org.slf4j.event.Level toSlf4j(Level level) {
    int v = level.intValue();
    if (v >= Level.SEVERE.intValue()) {
      return org.slf4j.event.Level.ERROR;
    } else if (v >= Level.WARNING.intValue()) {
      return org.slf4j.event.Level.WARN;
    } else if (v >= Level.INFO.intValue()) {
      return org.slf4j.event.Level.INFO;
    } else if (v >= Level.FINE.intValue()) {
      return org.slf4j.event.Level.DEBUG;
    }
    return org.slf4j.event.Level.TRACE;
  }

  private static Level toJul(LogLevel level) {
    return switch (level) {
      case TRACE -> Level.FINEST;
      case DEBUG -> Level.FINE;
      case INFO -> Level.INFO;
      case WARNING -> Level.WARNING;
      case ERROR -> Level.SEVERE;
    };
  }
}
