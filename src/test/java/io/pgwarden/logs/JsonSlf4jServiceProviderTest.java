package io.pgwarden.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

class JsonSlf4jServiceProviderTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final JsonLineWriter writer = new JsonLineWriter(out, 64);

  @BeforeEach
  void capture() {
    JsonLogging.setWriter(writer);
    JsonLogging.setPodName("pod-7");
    JsonLogging.setLevel("info");
  }

  @AfterEach
  void restore() {
    JsonLogging.setWriter(null);
    JsonLogging.setLevel(LogLevel.INFO);
    writer.close();
  }

  @Test
  void pgwardenLoggersWriteInstanceManagerLines() throws Exception {
    assertThat(LoggerFactory.getILoggerFactory()).isInstanceOf(JsonLoggerFactory.class);
    Logger log = LoggerFactory.getLogger(JsonSlf4jServiceProviderTest.class);
    log.debug("hidden {}", 1);
    MDC.put("cluster", "c1");
    try {
      log.info("started {} in {} ms", "postgres", 42);
    } finally {
      MDC.remove("cluster");
    }
    log.atWarn().addKeyValue("attempt", 3).log("retrying");
    log.error("failed", new IllegalStateException("boom"));

    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(3);
    JsonNode info = lines.get(0);
    assertThat(LogLineTest.keys(info))
        .containsExactly("level", "ts", "logger", "msg", "logging_pod", "component", "cluster");
    assertThat(info.get("level").textValue()).isEqualTo("info");
    assertThat(info.get("logger").textValue()).isEqualTo("instance-manager");
    assertThat(info.get("msg").textValue()).isEqualTo("started postgres in 42 ms");
    assertThat(info.get("logging_pod").textValue()).isEqualTo("pod-7");
    assertThat(info.get("component").textValue()).isEqualTo("JsonSlf4jServiceProviderTest");
    assertThat(info.get("ts").textValue())
        .matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}Z");

    assertThat(lines.get(1).get("level").textValue()).isEqualTo("warning");
    assertThat(lines.get(1).get("attempt").textValue()).isEqualTo("3");
    assertThat(lines.get(2).get("level").textValue()).isEqualTo("error");
    assertThat(lines.get(2).get("error").textValue()).isEqualTo("boom");
    assertThat(lines.get(2).get("stacktrace").textValue()).contains("IllegalStateException");
  }

  @Test
  void libraryLoggersKeepTheirNameAndStartAtWarning() throws Exception {
    Logger netty = LoggerFactory.getLogger("io.netty.channel.DefaultChannelPipeline");
    assertThat(netty.isInfoEnabled()).isFalse();
    netty.info("hidden");
    netty.warn("shown");
    JsonLogging.setLevel("DEBUG");
    assertThat(netty.isDebugEnabled()).isTrue();
    assertThat(netty.isTraceEnabled()).isFalse();
    netty.debug("shown at debug");

    List<JsonNode> lines = lines();
    assertThat(lines)
        .extracting(l -> l.get("msg").textValue())
        .containsExactly("shown", "shown at debug");
    assertThat(lines.get(0).get("logger").textValue())
        .isEqualTo("io.netty.channel.DefaultChannelPipeline");
    assertThat(lines.get(0).has("component")).isFalse();
  }

  @Test
  void levelNamesAreCheckedAndNameTheFlag() {
    JsonLogging.setLevel("Warning");
    assertThat(JsonLogging.level()).isEqualTo(LogLevel.WARNING);
    JsonLogging.setLevel("trace");
    assertThat(JsonLogging.threshold("org.postgresql.Driver")).isEqualTo(LogLevel.TRACE);
    JsonLogging.setLevel("error");
    assertThat(JsonLogging.threshold("org.postgresql.Driver")).isEqualTo(LogLevel.ERROR);
    assertThatThrownBy(() -> JsonLogging.setLevel("verbose"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("--log-level")
        .hasMessageContaining("verbose");
  }

  @Test
  void javaUtilLoggingComesOutAsJson() throws Exception {
    JulBridge.install();
    java.util.logging.Logger jul = java.util.logging.Logger.getLogger("org.postgresql.Driver");
    jul.log(java.util.logging.Level.WARNING, "connection to {0} refused", "localhost:5432");
    jul.fine("hidden");
    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0).get("logger").textValue()).isEqualTo("org.postgresql.Driver");
    assertThat(lines.get(0).get("level").textValue()).isEqualTo("warning");
    assertThat(lines.get(0).get("msg").textValue())
        .isEqualTo("connection to localhost:5432 refused");
  }

  private List<JsonNode> lines() throws IOException, InterruptedException {
    assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
    List<JsonNode> result = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
      if (!line.isEmpty()) {
        result.add(JSON.readTree(line));
      }
    }
    return result;
  }
}
