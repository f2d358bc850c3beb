package io.pgwarden.logs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FifoReaderTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final JsonLineWriter writer = new JsonLineWriter(out, 16);
  private final LogLine logLine = new LogLine(new LogContext("pod-1"));

  @Test
  void csvRecordsArriveAcrossWriterRestarts() throws Exception {
    Path fifo = mkfifo("postgres.csv");
    FifoReader reader = FifoReader.csv(fifo, logLine, writer);
    reader.start(); // returns once open, with no writer on the other side yet

    int perSession = 200;
    Thread postgres =
        new Thread(
            () -> {
              // Two "postgres" lifetimes: the writer side closes and opens again.
              for (int session = 0; session < 2; session++) {
                try (OutputStream w = new FileOutputStream(fifo.toFile())) {
                  for (int i = 0; i < perSession; i++) {
                    String record =
                        LogLineTest.PG15_RECORD.replace(",3,\"SELECT\"", "," + i + ",\"SELECT\"");
                    w.write(record.getBytes(StandardCharsets.UTF_8));
                  }
                } catch (IOException e) {
                  throw new IllegalStateException(e);
                }
              }
            });
    postgres.start();
    postgres.join(TimeUnit.SECONDS.toMillis(30));

    assertThat(reader.stop(Duration.ofSeconds(10))).isTrue();
    assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(2 * perSession);
    assertThat(lines)
        .allSatisfy(
            l -> {
              assertThat(l.get("msg").textValue()).isEqualTo("record");
              assertThat(l.get("record").get("query").textValue()).contains("\n  FROM missing\n");
            });
    assertThat(lines.get(perSession + 5).get("record").get("session_line_num").textValue())
        .isEqualTo("5");
  }

  @Test
  void rawLinesComeWholeEvenWhenLong() throws Exception {
    Path fifo = mkfifo("postgres");
    FifoReader reader = FifoReader.raw(fifo, logLine, writer);
    reader.start();
    String longLine = "z".repeat(3 << 20);
    try (OutputStream w = new FileOutputStream(fifo.toFile())) {
      w.write(("first\n" + longLine + "\nlast without newline").getBytes(StandardCharsets.UTF_8));
    }
    assertThat(reader.stop(Duration.ofSeconds(10))).isTrue();
    assertThat(writer.flush(Duration.ofSeconds(10))).isTrue();
    List<JsonNode> lines = lines();
    assertThat(lines)
        .extracting(l -> l.get("msg").textValue())
        .containsExactly("first", longLine, "last without newline");
    assertThat(lines.get(0).get("source").textValue()).isEqualTo(fifo.toString());
    assertThat(lines.get(0).get("logger").textValue()).isEqualTo("postgres");
  }

  @Test
  void missingFifoFailsAtStart() {
    FifoReader reader = FifoReader.raw(dir.resolve("absent"), logLine, writer);
    assertThatThrownBy(reader::start).isInstanceOf(NoSuchFileException.class);
  }

  private Path mkfifo(String name) throws Exception {
    Path fifo = dir.resolve(name);
    Process p = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).isZero();
    return fifo;
  }

  private List<JsonNode> lines() throws IOException {
    List<JsonNode> result = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
      result.add(JSON.readTree(line));
    }
    return result;
  }
}
