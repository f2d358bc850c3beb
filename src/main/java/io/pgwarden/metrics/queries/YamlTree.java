package io.pgwarden.metrics.queries;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * A YAML document read into maps, lists and scalars that remember their line, because Jackson's
 * {@code JsonNode} forgets where it came from. Duplicate keys are refused here.
 */
final class YamlTree {
  private static final YAMLFactory FACTORY = YAMLFactory.builder().build();

  private YamlTree() {}

  /**
   * One node: {@code value} is a {@code Map<String, Node>} (insertion-ordered), a {@code
   * List<Node>}, or a scalar ({@code String}, {@code Number}, {@code Boolean}) or {@code null}.
   */
  record Node(Object value, int line) {
    boolean isMap() {
      return value instanceof Map;
    }

    @SuppressWarnings("unchecked")
    Map<String, Node> map() {
      return (Map<String, Node>) value;
    }

    boolean isList() {
      return value instanceof List;
    }

    @SuppressWarnings("unchecked")
    List<Node> list() {
      return (List<Node>) value;
    }

    boolean isScalar() {
      return !isMap() && !isList();
    }

    String kind() {
      if (value == null) {
        return "null";
      }
      if (isMap()) {
        return "a map";
      }
      if (isList()) {
        return "a list";
      }
      return value instanceof String
          ? "a string"
          : "a " + value.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** Thrown when the text is not YAML, or holds a duplicate key; carries the line. */
  static final class SyntaxException extends Exception {
    private static final long serialVersionUID = 1L;
    private final int line;

    SyntaxException(String message, int line) {
      super(message);
      this.line = line;
    }

    int line() {
      return line;
    }
  }

  /** Reads the first document; an empty text is a {@code null} node on line 1. */
  static Node read(String text) throws SyntaxException {
    try (JsonParser parser = FACTORY.createParser(text)) {
      JsonToken token = parser.nextToken();
      if (token == null) {
        return new Node(null, 1);
      }
      return readValue(parser, token);
    } catch (JsonProcessingException e) {
      // SnakeYAML marks where the problem is; Jackson's location is where the enclosing block
      // began.
      if (e.getCause() instanceof MarkedYAMLException marked && marked.getProblemMark() != null) {
        String context = marked.getContext() == null ? "" : " (" + marked.getContext() + ")";
        throw new SyntaxException(
            "not valid YAML: " + marked.getProblem() + context,
            marked.getProblemMark().getLine() + 1);
      }
      int line = e.getLocation() == null ? 1 : Math.max(1, e.getLocation().getLineNr());
      throw new SyntaxException("not valid YAML: " + e.getOriginalMessage(), line);
    } catch (IOException e) {
      throw new SyntaxException("while reading YAML: " + e.getMessage(), 1);
    }
  }

  private static Node readValue(JsonParser parser, JsonToken token)
      throws IOException, SyntaxException {
    int line = parser.currentTokenLocation().getLineNr();
    switch (token) {
      case START_OBJECT -> {
        Map<String, Node> map = new LinkedHashMap<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_OBJECT; t = parser.nextToken()) {
          String key = parser.currentName();
          int keyLine = parser.currentTokenLocation().getLineNr();
          Node value = readValue(parser, parser.nextToken());
          if (map.containsKey(key)) {
            throw new SyntaxException(
                "duplicate key '" + key + "' (first on line " + map.get(key).line() + ")", keyLine);
          }
          map.put(key, new Node(value.value(), keyLine));
        }
        return new Node(map, line);
      }
      case START_ARRAY -> {
        List<Node> list = new ArrayList<>();
        for (JsonToken t = parser.nextToken(); t != JsonToken.END_ARRAY; t = parser.nextToken()) {
          list.add(readValue(parser, t));
        }
        return new Node(list, line);
      }
      case VALUE_STRING -> {
        return new Node(parser.getText(), line);
      }
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
        return new Node(parser.getNumberValue(), line);
      }
      case VALUE_TRUE, VALUE_FALSE -> {
        return new Node(parser.getBooleanValue(), line);
      }
      case VALUE_NULL -> {
        return new Node(null, line);
      }
      default -> throw new SyntaxException("unexpected YAML token " + token, line);
    }
  }
}
