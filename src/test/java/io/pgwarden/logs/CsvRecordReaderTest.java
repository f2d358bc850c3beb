package io.pgwarden.logs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvRecordReaderTest {

  @Test
  void quotesDoubledQuotesNewlinesAndEmptyFields() throws IOException {
    List<List<String>> records =
        readAll(
            "a,\"b,c\",\"say \"\"hi\"\"\",,\"line1\nline2\",\"\"\n"
                + ",,\n"
                + "\n"
                + "last,\"no newline at end\"");
    assertThat(records)
        .containsExactly(
            List.of("a", "b,c", "say \"hi\"", "", "line1\nline2", ""),
            List.of("", "", ""),
            List.of("last", "no newline at end"));
  }

  @Test
  void endOfStreamAndEmptyInput() throws IOException {
    assertThat(readAll("")).isEmpty();
    assertThat(readAll("\n\n")).isEmpty();
    assertThat(readAll("x")).containsExactly(List.of("x"));
    assertThat(readAll("x,")).containsExactly(List.of("x", ""));
  }

  @Test
  void twoMebibyteFieldComesThroughWhole() throws IOException {
    String big = "é\"x\n,".repeat((2 << 20) / 6);
    String csv = "1,\"" + big.replace("\"", "\"\"") + "\",3\n2,b,c\n";
    List<List<String>> records = readAll(csv);
    assertThat(records).hasSize(2);
    assertThat(records.get(0).get(1)).isEqualTo(big);
    assertThat(records.get(1)).containsExactly("2", "b", "c");
  }

  @Test
  void malformedUtf8BecomesReplacementCharacters() throws IOException {
    byte[] bytes = {'a', (byte) 0xff, 'b', ',', (byte) 0xc3, '\n', (byte) 0xe2, (byte) 0x82, '\n'};
    CsvRecordReader reader = new CsvRecordReader(new ByteArrayInputStream(bytes));
    assertThat(reader.next()).containsExactly("a\ufffdb", "\ufffd");
    assertThat(reader.next()).containsExactly("\ufffd");
    assertThat(reader.next()).isNull();
  }

  @Test
  void recordsSplitAcrossOneByteReads() throws IOException {
    StringBuilder csv = new StringBuilder();
    List<List<String>> expected = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      csv.append(i).append(",\"q\"\"").append(i).append("\nñ\",,€\n");
      expected.add(List.of(Integer.toString(i), "q\"" + i + "\nñ", "", "€"));
    }
    byte[] bytes = csv.toString().getBytes(StandardCharsets.UTF_8);
    assertThat(readAll(new CsvRecordReader(new OneByteAtATime(bytes)))).isEqualTo(expected);
    assertThat(readAll(new CsvRecordReader(new ByteArrayInputStream(bytes)))).isEqualTo(expected);
  }

  @Test
  void recordOverTheCapIsTruncatedAndTheNextOneParsed() throws IOException {
    String csv = "a,\"" + "x".repeat(30) + "\n" + "y".repeat(30) + "\",z\nnext,record\n";
    CsvRecordReader reader =
        new CsvRecordReader(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), 50);
    List<String> first = reader.next();
    assertThat(reader.truncated()).isTrue();
    assertThat(first).containsExactly("a,\"" + "x".repeat(30) + "\n" + "y".repeat(18) + "\"");
    assertThat(reader.next()).containsExactly("next", "record");
    assertThat(reader.truncated()).isFalse();
    assertThat(reader.next()).isNull();
  }

  @Test
  void unclosedQuoteResynchronisesAtANewlineAfterTwoCaps() throws IOException {
    String csv = "\"" + "x".repeat(200) + "\nafter,it\n";
    CsvRecordReader reader =
        new CsvRecordReader(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8)), 50);
    assertThat(reader.next()).hasSize(1);
    assertThat(reader.truncated()).isTrue();
    assertThat(reader.next()).containsExactly("after", "it");
  }

  static List<List<String>> readAll(String csv) throws IOException {
    return readAll(
        new CsvRecordReader(new ByteArrayInputStream(csv.getBytes(StandardCharsets.UTF_8))));
  }

  static List<List<String>> readAll(CsvRecordReader reader) throws IOException {
    List<List<String>> records = new ArrayList<>();
    for (List<String> r = reader.next(); r != null; r = reader.next()) {
      records.add(r);
    }
    return records;
  }

  /** Hands out one byte per read, the worst split a pipe can produce. */
  static final class OneByteAtATime extends InputStream {
    private final ByteArrayInputStream in;

    OneByteAtATime(byte[] bytes) {
      this.in = new ByteArrayInputStream(bytes);
    }

    @Override
    public int read() {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return len == 0 ? 0 : in.read(b, off, 1);
    }
  }
}
