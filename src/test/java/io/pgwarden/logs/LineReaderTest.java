package io.pgwarden.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class LineReaderTest {

  @Test
  void linesSplitAcrossOneByteReads() throws IOException {
    byte[] bytes = "a\r\n\nñé\nend".getBytes(StandardCharsets.UTF_8);
    LineReader reader = new LineReader(new CsvRecordReaderTest.OneByteAtATime(bytes));
    assertThat(readAll(reader)).containsExactly("a", "", "ñé", "end");
  }

  @Test
  void lineOverTheCapComesInPiecesWithNothingLost() throws IOException {
    String line = "x".repeat(25);
    LineReader reader =
        new LineReader(
            new ByteArrayInputStream((line + "\nnext\n").getBytes(StandardCharsets.UTF_8)), 10);
    List<String> pieces = new ArrayList<>();
    List<Boolean> truncated = new ArrayList<>();
    for (String l = reader.next(); l != null; l = reader.next()) {
      pieces.add(l);
      truncated.add(reader.truncated());
    }
    assertThat(pieces).containsExactly("x".repeat(10), "x".repeat(10), "x".repeat(5), "next");
    assertThat(truncated).containsExactly(true, true, false, false);
  }

  @Test
  void malformedUtf8IsReplaced() throws IOException {
    byte[] bytes = {'o', (byte) 0xc0, 'k', '\n'};
    assertThat(readAll(new LineReader(new ByteArrayInputStream(bytes))))
        .containsExactly("o\ufffdk");
  }

  private static List<String> readAll(LineReader reader) throws IOException {
    List<String> lines = new ArrayList<>();
    for (String l = reader.next(); l != null; l = reader.next()) {
      lines.add(l);
    }
    return lines;
  }
}
