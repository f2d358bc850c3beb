package io.pgwarden.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import java.io.UncheckedIOException;

/**
 * Writes {@link PostgresqlStatus} as the JSON the operator decodes, with Jackson: the record's
 * components are the JSON names and its annotations say which are left out when empty (Go's {@code
 * omitempty}).
 */
public final class StatusJson {
  /** Built once: an {@link ObjectMapper} is costly to build and thread-safe once configured. */
  private static final ObjectWriter WRITER = new ObjectMapper().writerFor(PostgresqlStatus.class);

  private StatusJson() {}

  /** The status as one JSON object. */
  public static String write(PostgresqlStatus s) {
    try {
      return WRITER.writeValueAsString(s);
    } catch (JsonProcessingException e) {
      // Records of strings, numbers and lists always serialize: this is a programming error.
      throw new UncheckedIOException("while writing the status as JSON", e);
    }
  }
}
