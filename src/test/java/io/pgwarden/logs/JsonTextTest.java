package io.pgwarden.logs;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class JsonTextTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void shortFormsAndControlCharacters() {
    assertThat(JsonText.quote("a\"b\\c\nd\re\tf\bg\fh\u0001i\u001fj\u2028k\u2029l/"))
        .isEqualTo("\"a\\\"b\\\\c\\nd\\re\\tf\\bg\\fh\\u0001i\\u001fj\\u2028k\\u2029l/\"");
    assertThat(JsonText.quote(null)).isEqualTo("\"\"");
    assertThat(JsonText.quote("")).isEqualTo("\"\"");
  }

  @Test
  void loneSurrogatesBecomeReplacementCharacters() {
    assertThat(JsonText.quote("a\ud800b")).isEqualTo("\"a\ufffdb\"");
    assertThat(JsonText.quote("a\udc00")).isEqualTo("\"a\ufffd\"");
    assertThat(JsonText.quote("\ud800")).isEqualTo("\"\ufffd\"");
    assertThat(JsonText.quote("\ud83d\ude00")).isEqualTo("\"\ud83d\ude00\"");
    assertThat(JsonText.quote("\ude00\ud83d")).isEqualTo("\"\ufffd\ufffd\"");
  }

  @Test
  void hostileStringsRoundTripThroughJackson() throws Exception {
    Random random = new Random(20261123);
    char[] alphabet = {
      '"', '\\', '\n', '\r', '\t', '\b', '\f', 0, 1, 0x1f, 0x7f, '\u2028', '\u2029', '\ud800',
      '\udbff', '\udc00', '\udfff', '\ufffe', '\uffff', '/', '<', 'a', 'é', '€', ',', ':', '{', '}'
    };
    for (int round = 0; round < 5000; round++) {
      StringBuilder sb = new StringBuilder();
      int len = random.nextInt(40);
      for (int i = 0; i < len; i++) {
        sb.append(
            random.nextInt(4) == 0
                ? (char) random.nextInt(0x10000)
                : alphabet[random.nextInt(alphabet.length)]);
      }
      String input = sb.toString();
      String json =
          JsonText.object().field("k", input).beginObject("n").field(input, input).build();

      byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
      assertThat(new String(utf8, StandardCharsets.UTF_8)).isEqualTo(json);
      for (int i = 0; i < json.length(); i++) {
        char c = json.charAt(i);
        assertThat(c >= 0x20 && c != '\u2028' && c != '\u2029')
            .as("raw character %04x in %s", (int) c, json)
            .isTrue();
      }
      JsonNode node = JSON.readTree(utf8);
      String expected = wellFormed(input);
      assertThat(node.get("k").textValue()).isEqualTo(expected);
      assertThat(node.get("n").get(expected).textValue()).isEqualTo(expected);
    }
  }

  @Test
  void builderNestsObjects() throws Exception {
    String json =
        JsonText.object()
            .field("a", "1")
            .beginObject("b")
            .fieldIfNotEmpty("skip", "")
            .fieldIfNotEmpty("skip2", null)
            .field("c", "2")
            .beginObject("d")
            .endObject()
            .endObject()
            .field("e", "3")
            .beginObject("f")
            .field("g", "4")
            .build();
    assertThat(json)
        .isEqualTo("{\"a\":\"1\",\"b\":{\"c\":\"2\",\"d\":{}},\"e\":\"3\",\"f\":{\"g\":\"4\"}}");
    List<String> keys = new ArrayList<>();
    JSON.readTree(json).fieldNames().forEachRemaining(keys::add);
    assertThat(keys).containsExactly("a", "b", "e", "f");
  }

  /** What the escaper promises: every lone surrogate replaced by U+FFFD. */
  private static String wellFormed(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (Character.isHighSurrogate(c)
          && i + 1 < s.length()
          && Character.isLowSurrogate(s.charAt(i + 1))) {
        sb.append(c).append(s.charAt(++i));
      } else if (Character.isSurrogate(c)) {
        sb.append('\ufffd');
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
