package io.pgwarden.logs;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.MDC;
import org.slf4j.Marker;
import org.slf4j.event.KeyValuePair;
import org.slf4j.event.Level;
import org.slf4j.event.LoggingEvent;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import org.slf4j.spi.LoggingEventAware;

/**
 * An SLF4J logger writing the JSON line shape of the contract. pgwarden's loggers come out as
 * {@code "logger":"instance-manager"} with {@code "component":"<simple class name>"}; others keep
 * their name. MDC entries and fluent-API key/values become string fields after {@code logging_pod}.
 */
final class JsonLogger extends LegacyAbstractLogger implements LoggingEventAware {
  private static final long serialVersionUID = 1L;

  private final String jsonLogger;
  private final String component;

  JsonLogger(String name) {
    this.name = name;
    if (JsonLogging.isPgwarden(name)) {
      this.jsonLogger = LogLine.INSTANCE_MANAGER;
      this.component = name.substring(name.lastIndexOf('.') + 1);
    } else {
      this.jsonLogger = name;
      this.component = null;
    }
  }

  private boolean enabled(LogLevel level) {
    return level.compareTo(JsonLogging.threshold(name)) >= 0;
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(LogLevel.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(LogLevel.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(LogLevel.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(LogLevel.WARNING);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(LogLevel.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] args, Throwable throwable) {
    emit(level, pattern, args, throwable, null);
  }

  @Override
  public void log(LoggingEvent event) {
    if (enabled(toLevel(event.getLevel()))) {
      emit(
          event.getLevel(),
          event.getMessage(),
          event.getArgumentArray(),
          event.getThrowable(),
          event.getKeyValuePairs());
    }
  }

  private void emit(
      Level level, String pattern, Object[] args, Throwable throwable, List<KeyValuePair> kvs) {
    String msg =
        args == null || args.length == 0
            ? pattern
            : MessageFormatter.basicArrayFormat(pattern, args);
    Map<String, Object> fields = new LinkedHashMap<>();
    if (component != null) {
      fields.put("component", component);
    }
    Map<String, String> mdc = MDC.getCopyOfContextMap();
    if (mdc != null) {
      fields.putAll(mdc);
    }
    if (kvs != null) {
      for (KeyValuePair kv : kvs) {
        fields.put(kv.key, kv.value);
      }
    }
    JsonLogging.writer()
        .write(JsonLogging.logLine().line(toLevel(level), jsonLogger, msg, fields, throwable));
  }

  static LogLevel toLevel(Level level) {
    return switch (level) {
      case TRACE -> LogLevel.TRACE;
      case DEBUG -> LogLevel.DEBUG;
      case INFO -> LogLevel.INFO;
      case WARN -> LogLevel.WARNING;
      case ERROR -> LogLevel.ERROR;
    };
  }
}
