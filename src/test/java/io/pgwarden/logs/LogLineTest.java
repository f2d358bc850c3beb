package io.pgwarden.logs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogLineTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String SOURCE = "/controller/log/postgres.csv";

  /** A PostgreSQL 15 csvlog record as write_csvlog writes it, with a multi-line query. */
  static final String PG15_RECORD =
      "2026-11-23 12:00:00.123 UTC,\"app\",\"appdb\",1234,\"10.0.0.7:51234\",6561f0a0.4d2,3,"
          + "\"SELECT\",2026-11-23 11:59:58 UTC,3/17,0,ERROR,42P01,"
          + "\"relation \"\"missing\"\" does not exist\",,,,,,\"SELECT *\n  FROM missing\n"
          + " WHERE id = 1;\",15,\"parserOpenTable, parse_relation.c:1392\",\"psql\","
          + "\"client backend\",,-4535802932396187405\n";

  private final LogLine logLine =
      new LogLine(
          new LogContext("cluster-example-1"),
          Clock.fixed(Instant.parse("2026-11-23T12:00:00.123456789Z"), ZoneOffset.UTC));

  @Test
  void postgres15RecordHasTheContractShape() throws IOException {
    List<String> fields = CsvRecordReaderTest.readAll(PG15_RECORD).get(0);
    assertThat(fields).hasSize(26);
    JsonNode line = JSON.readTree(logLine.csvRecord(fields, SOURCE));

    assertThat(keys(line)).containsExactly("level", "ts", "logger", "msg", "logging_pod", "record");
    assertThat(line.get("level").textValue()).isEqualTo("info");
    assertThat(line.get("ts").textValue()).isEqualTo("2026-11-23T12:00:00.123456789Z");
    assertThat(line.get("logger").textValue()).isEqualTo("postgres");
    assertThat(line.get("msg").textValue()).isEqualTo("record");
    assertThat(line.get("logging_pod").textValue()).isEqualTo("cluster-example-1");
    JsonNode record = line.get("record");
    assertThat(keys(record))
        .containsExactly(
            "log_time",
            "user_name",
            "database_name",
            "process_id",
            "connection_from",
            "session_id",
            "session_line_num",
            "command_tag",
            "session_start_time",
            "virtual_transaction_id",
            "transaction_id",
            "error_severity",
            "sql_state_code",
            "message",
            "query",
            "query_pos",
            "location",
            "application_name",
            "backend_type",
            "query_id");
    assertThat(record.get("message").textValue()).isEqualTo("relation \"missing\" does not exist");
    assertThat(record.get("query").textValue())
        .isEqualTo("SELECT *\n  FROM missing\n WHERE id = 1;");
    assertThat(record.get("location").textValue())
        .isEqualTo("parserOpenTable, parse_relation.c:1392");
    assertThat(record.get("query_id").textValue()).isEqualTo("-4535802932396187405");
    for (JsonNode value : record) {
      assertThat(value.isTextual()).isTrue();
    }
  }

  @Test
  void postgres13RecordIsMappedByItsColumnCount() throws IOException {
    List<String> fields = new ArrayList<>(CsvRecordReaderTest.readAll(PG15_RECORD).get(0));
    List<String> pg13 = fields.subList(0, 24);
    JsonNode record = JSON.readTree(logLine.csvRecord(pg13, SOURCE)).get("record");
    assertThat(record.get("backend_type").textValue()).isEqualTo("client backend");
    assertThat(record.has("query_id")).isFalse();
  }

  @Test
  void unexpectedColumnCountBecomesARawLineWithTheCsvText() throws IOException {
    JsonNode line = JSON.readTree(logLine.csvRecord(List.of("a", "b,c", "d\"e"), SOURCE));
    assertThat(keys(line)).containsExactly("level", "ts", "logger", "msg", "source", "logging_pod");
    assertThat(line.get("msg").textValue()).isEqualTo("a,\"b,c\",\"d\"\"e\"");
    assertThat(line.get("source").textValue()).isEqualTo(SOURCE);
  }

  @Test
  void pgauditRecordReplacesTheMessageWithTheAuditObject() throws IOException {
    String message =
        "AUDIT: SESSION,1,2,READ,SELECT,TABLE,public.t,\"select a, \"\"b\"\"\nfrom t\",<not logged>";
    List<String> fields = new ArrayList<>(CsvRecordReaderTest.readAll(PG15_RECORD).get(0));
    fields.set(CsvColumns.MESSAGE, message);
    fields.set(11, "LOG");
    JsonNode line = JSON.readTree(logLine.csvRecord(fields, SOURCE));
    assertThat(line.get("logger").textValue()).isEqualTo("pgaudit");
    JsonNode record = line.get("record");
    assertThat(record.has("message")).isFalse();
    assertThat(record.get("error_severity").textValue()).isEqualTo("LOG");
    List<String> recordKeys = keys(record);
    assertThat(recordKeys.get(recordKeys.size() - 1)).isEqualTo("audit");
    JsonNode audit = record.get("audit");
    assertThat(keys(audit))
        .containsExactly(
            "audit_type",
            "statement_id",
            "substatement_id",
            "class",
            "command",
            "object_type",
            "object_name",
            "statement",
            "parameter");
    assertThat(audit.get("audit_type").textValue()).isEqualTo("SESSION");
    assertThat(audit.get("substatement_id").textValue()).isEqualTo("2");
    assertThat(audit.get("object_name").textValue()).isEqualTo("public.t");
    assertThat(audit.get("statement").textValue()).isEqualTo("select a, \"b\"\nfrom t");
    assertThat(audit.get("parameter").textValue()).isEqualTo("<not logged>");
  }

  @Test
  void pgauditWithEmptyObjectFields() {
    assertThat(PgAudit.parse("AUDIT: SESSION,1,1,READ,SELECT,,,select 1,<not logged>"))
        .containsExactly("SESSION", "1", "1", "READ", "SELECT", "", "", "select 1", "<not logged>");
  }

  @Test
  void rawAndCommandLines() throws IOException {
    JsonNode raw = JSON.readTree(logLine.raw("FATAL:  oops", "/controller/log/postgres", false));
    assertThat(keys(raw)).containsExactly("level", "ts", "logger", "msg", "source", "logging_pod");
    assertThat(raw.get("msg").textValue()).isEqualTo("FATAL:  oops");
    assertThat(JSON.readTree(logLine.raw("x", "s", true)).get("truncated").textValue())
        .isEqualTo("true");

    JsonNode out = JSON.readTree(logLine.commandOutput("initdb", "Success.", false));
    assertThat(keys(out)).containsExactly("level", "ts", "logger", "msg", "logging_pod");
    assertThat(out.get("logger").textValue()).isEqualTo("initdb");
    assertThat(out.get("level").textValue()).isEqualTo("info");
    assertThat(JSON.readTree(logLine.commandOutput("pg_ctl", "e", true)).get("level").textValue())
        .isEqualTo("error");
  }

  @Test
  void instanceManagerLineWithFieldsAndError() throws IOException {
    Map<String, Object> fields = new LinkedHashMap<>();
    fields.put("step", "bootstrap");
    fields.put("attempt", 2);
    Exception error =
        new IllegalStateException("while starting postgres", new IOException("no such file"));
    JsonNode line =
        JSON.readTree(
            logLine.line(LogLevel.WARNING, LogLine.INSTANCE_MANAGER, "hello", fields, error));
    assertThat(keys(line))
        .containsExactly(
            "level",
            "ts",
            "logger",
            "msg",
            "logging_pod",
            "step",
            "attempt",
            "error",
            "stacktrace");
    assertThat(line.get("level").textValue()).isEqualTo("warning");
    assertThat(line.get("attempt").textValue()).isEqualTo("2");
    assertThat(line.get("error").textValue()).isEqualTo("while starting postgres: no such file");
    assertThat(line.get("stacktrace").textValue())
        .contains("IllegalStateException", "Caused by: java.io.IOException");
  }

  @Test
  void wrappedCauseIsNotRepeated() {
    assertThat(LogLine.messageChain(new RuntimeException(new IOException("disk full"))))
        .isEqualTo("java.io.IOException: disk full");
  }

  @Test
  void timestampAlwaysHasNineFractionDigits() {
    LogLine whole =
        new LogLine(
            new LogContext("p"),
            Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC));
    assertThat(whole.timestamp()).isEqualTo("2026-01-02T03:04:05.000000000Z");
  }

  static List<String> keys(JsonNode node) {
    List<String> keys = new ArrayList<>();
    node.fieldNames().forEachRemaining(keys::add);
    return keys;
  }
}
